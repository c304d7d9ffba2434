"""A SageMaker Studio domain that stays inside the platform's VPC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker

from constructs import Construct

# Idle apps may not be set to stop sooner than this (SageMaker's own minimum).
MIN_IDLE_TIMEOUT_MINUTES = 60


@dataclass(frozen=True)
class IdleShutdown:
    """When idle JupyterLab and Code Editor apps stop.

    :param timeout_minutes: the default idle timeout (at least 60).
    :param max_timeout_minutes: the longest timeout a user may choose.
    """

    timeout_minutes: int = 60
    max_timeout_minutes: int = 240


@dataclass(frozen=True)
class SpaceDefaults:
    """What a new space gets.

    :param instance_type: instance type of new JupyterLab and Code Editor apps.
    :param volume_gb: EBS size of a new space.
    :param max_volume_gb: the largest EBS size a user may give a space.
    """

    instance_type: str = "ml.t3.medium"
    volume_gb: int = 5
    max_volume_gb: int = 100


@dataclass(frozen=True)
class NotebookSharing:
    """Where shared notebook snapshots (with cell output) go: an encrypted bucket prefix."""

    bucket: s3.IBucket
    prefix: str
    key: kms.IKey


class StudioDomain(Construct):
    """A Studio domain (current Studio, not Studio Classic) with secure defaults.

    Secure defaults applied here: IAM authentication; ``VpcOnly`` network
    access in ``subnets`` (no SageMaker-managed internet path: the subnets'
    routes decide, and the platform's have no internet route); a security
    group of the platform on every app, which allows HTTPS out and nothing
    in (SageMaker adds its own NFS groups for the home volume); the home
    (EFS) and space (EBS) volumes encrypted with ``encryption_key``; idle
    apps stopped by the domain's app lifecycle management; notebook sharing
    off unless ``sharing`` names an encrypted prefix; Docker access off; the
    user profile name recorded as source identity of every execution-role
    session; tags propagated to the resources Studio creates. The Studio web
    portal is the landing page; Studio Classic is not offered. The domain is
    stateful (home volumes) and RETAINed.

    Exposes ``domain``, ``domain_id``, ``domain_arn``, ``home_efs_id`` and
    ``security_group``.

    :param domain_name: the domain's name (create-only: changing it replaces the domain).
    :param vpc: the platform's VPC.
    :param subnets: where apps run; the subnets must have no internet route.
    :param encryption_key: customer-managed key of the home and space volumes
        (create-only: changing it replaces the domain).
    :param default_execution_role: execution role of a profile that names none.
    :param space_execution_role: execution role of shared spaces.
    :param endpoint_security_groups: groups of the VPC's interface endpoints;
        with ``gateway_prefix_lists`` (S3, DynamoDB), the only HTTPS
        destinations of the apps.
    :param idle: idle shutdown (default 60 minutes, users may choose up to 240).
    :param spaces: instance type and volume sizes of new spaces.
    :param sharing: encrypted destination of shared notebooks; ``None`` (the
        default) turns sharing with output off.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        domain_name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        encryption_key: kms.IKey,
        default_execution_role: iam.IRole,
        space_execution_role: iam.IRole,
        endpoint_security_groups: Sequence[ec2.ISecurityGroup],
        gateway_prefix_lists: Sequence[str],
        idle: IdleShutdown | None = None,
        spaces: SpaceDefaults | None = None,
        sharing: NotebookSharing | None = None,
    ) -> None:
        super().__init__(scope, id)
        idle = idle or IdleShutdown()
        spaces = spaces or SpaceDefaults()
        self.security_group = ec2.SecurityGroup(
            self,
            "AppSecurityGroup",
            vpc=vpc,
            description="Studio apps: HTTPS out to the VPC endpoints and S3 only, nothing in",
            allow_all_outbound=False,
        )
        # HTTPS to the interface endpoints' groups and to the gateway
        # endpoints' prefix lists (S3 is reached at its public addresses
        # through the gateway endpoint), nothing else.
        for group in endpoint_security_groups:
            self.security_group.add_egress_rule(
                ec2.Peer.security_group_id(group.security_group_id),
                ec2.Port.tcp(443),
                "HTTPS to the VPC interface endpoints",
            )
        for prefix_list in gateway_prefix_lists:
            self.security_group.add_egress_rule(
                ec2.Peer.prefix_list(prefix_list),
                ec2.Port.tcp(443),
                "HTTPS to a gateway endpoint (S3, DynamoDB)",
            )
        security_groups = [self.security_group.security_group_id]

        lifecycle = sagemaker.CfnDomain.AppLifecycleManagementProperty(
            idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=idle.timeout_minutes,
                min_idle_timeout_in_minutes=MIN_IDLE_TIMEOUT_MINUTES,
                max_idle_timeout_in_minutes=idle.max_timeout_minutes,
            )
        )
        resource_spec = sagemaker.CfnDomain.ResourceSpecProperty(instance_type=spaces.instance_type)
        jupyter_lab = sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
            app_lifecycle_management=lifecycle, default_resource_spec=resource_spec
        )
        code_editor = sagemaker.CfnDomain.CodeEditorAppSettingsProperty(
            app_lifecycle_management=lifecycle, default_resource_spec=resource_spec
        )
        storage = sagemaker.CfnDomain.DefaultSpaceStorageSettingsProperty(
            default_ebs_storage_settings=sagemaker.CfnDomain.DefaultEbsStorageSettingsProperty(
                default_ebs_volume_size_in_gb=spaces.volume_gb,
                maximum_ebs_volume_size_in_gb=spaces.max_volume_gb,
            )
        )
        if sharing is None:
            sharing_settings = sagemaker.CfnDomain.SharingSettingsProperty(
                notebook_output_option="Disabled"
            )
        else:
            sharing_settings = sagemaker.CfnDomain.SharingSettingsProperty(
                notebook_output_option="Allowed",
                s3_output_path=sharing.bucket.s3_url_for_object(sharing.prefix.strip("/")),
                s3_kms_key_id=sharing.key.key_arn,
            )

        self.domain = sagemaker.CfnDomain(
            self,
            "Domain",
            domain_name=domain_name,
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=vpc.vpc_id,
            subnet_ids=selected_subnet_ids(vpc, subnets),
            kms_key_id=encryption_key.key_arn,
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=default_execution_role.role_arn,
                security_groups=security_groups,
                studio_web_portal="ENABLED",
                default_landing_uri="studio::",
                jupyter_lab_app_settings=jupyter_lab,
                code_editor_app_settings=code_editor,
                space_storage_settings=storage,
                sharing_settings=sharing_settings,
            ),
            default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
                execution_role=space_execution_role.role_arn,
                security_groups=security_groups,
                jupyter_lab_app_settings=jupyter_lab,
                space_storage_settings=storage,
            ),
            domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(
                execution_role_identity_config="USER_PROFILE_NAME",
                docker_settings=sagemaker.CfnDomain.DockerSettingsProperty(
                    enable_docker_access="DISABLED"
                ),
            ),
            tag_propagation="ENABLED",
        )
        self.domain.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.domain_id = self.domain.attr_domain_id
        self.domain_arn = self.domain.attr_domain_arn
        self.home_efs_id = self.domain.attr_home_efs_file_system_id


def selected_subnet_ids(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[str]:
    """The ids of the subnets ``selection`` picks in ``vpc`` (tokens for a created VPC)."""
    return vpc.select_subnets(
        availability_zones=selection.availability_zones,
        one_per_az=selection.one_per_az,
        subnet_group_name=selection.subnet_group_name,
        subnet_type=selection.subnet_type,
        subnets=selection.subnets,
    ).subnet_ids


class StudioUserProfile(Construct):
    """One person's Studio user profile, bound to the execution role of its persona.

    The profile carries the domain's security group and the tags ``persona``
    and ``team`` (propagated to the spaces and apps it creates).

    :param domain: the Studio domain.
    :param user_name: the profile name (create-only).
    :param execution_role: the persona's execution role.
    :param persona: the persona name, tagged.
    :param team: the person's team, tagged.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        domain: StudioDomain,
        user_name: str,
        execution_role: iam.IRole,
        persona: str,
        team: str,
    ) -> None:
        super().__init__(scope, id)
        self.profile = sagemaker.CfnUserProfile(
            self,
            "Profile",
            domain_id=domain.domain_id,
            user_profile_name=user_name,
            user_settings=sagemaker.CfnUserProfile.UserSettingsProperty(
                execution_role=execution_role.role_arn,
                security_groups=[domain.security_group.security_group_id],
            ),
            tags=[cdk.CfnTag(key="persona", value=persona), cdk.CfnTag(key="team", value=team)],
        )
        self.profile_arn = self.profile.attr_user_profile_arn
