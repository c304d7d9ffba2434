"""StudioStack: personas, the VpcOnly Studio domain, user profiles and experiment tracking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.sagemaker_job_security_group import SageMakerJobSecurityGroup
from cd4ml_constructs.studio import (
    IdleShutdown,
    MlflowTrackingServer,
    NotebookSharing,
    PlatformPersonas,
    SpaceDefaults,
    StudioDomain,
    StudioUserProfile,
    ZoneGrants,
)
from cd4ml_constructs.studio.domain import selected_subnet_ids
from config import StudioConfig
from constructs import Construct

SHARING_PREFIX = "studio-sharing/"


class StudioStack(cdk.Stack):
    """Where ML teams work: SageMaker Studio and the personas that use it.

    Always: the four persona roles, their separation of duties and their
    SageMaker job guardrails (``personas``), and the security group the
    personas' jobs carry (``job_security_group``). With ``studio.enabled``:
    the VpcOnly domain (``domain``, RETAIN) and one user profile per config
    entry (``user_profiles`` by user name). With ``studio.mlflow.enabled``:
    the managed MLflow tracking server
    (``tracking_server``, RETAIN), its artifacts under ``mlflow/`` in the
    model-artifacts bucket.

    :param environment: environment name; names the domain, the tracking
        server and the platform's SageMaker resource prefix ``cd4ml-<environment>-``.
    :param studio: the environment's Studio settings.
    :param vpc: the platform's VPC; ``subnets`` are where Studio apps run.
    :param endpoint_security_groups: groups of the interface endpoints, and
        ``gateway_prefix_lists`` the S3 and DynamoDB prefix lists: the only
        HTTPS destinations of Studio apps.
    :param studio_key: key of the home and space volumes.
    :param zone_buckets: the lake's bucket per zone.
    :param artifacts_bucket: the model-artifacts bucket.
    :param artifacts_key: the artifacts bucket's key (shared notebooks).
    :param data_lake_key: the lake's key; with the artifacts and studio keys,
        the keys SageMaker jobs of the personas may use.
    :param project_templates_location: ``s3://bucket/prefix/`` of the project templates,
        tagged on the domain (``sagemaker:projectS3TemplatesLocation``) so that Studio lists
        them; default none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: str,
        studio: StudioConfig,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        endpoint_security_groups: Sequence[ec2.ISecurityGroup],
        gateway_prefix_lists: Sequence[str],
        studio_key: kms.IKey,
        zone_buckets: Mapping[str, s3.IBucket],
        artifacts_bucket: s3.IBucket,
        artifacts_key: kms.IKey,
        data_lake_key: kms.IKey,
        project_templates_location: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        access = studio.data_access
        self.job_security_group = SageMakerJobSecurityGroup(self, "JobSecurityGroup", vpc=vpc)
        self.personas = PlatformPersonas(
            self,
            "Personas",
            environment=environment,
            zone_buckets=zone_buckets,
            artifacts_bucket=artifacts_bucket,
            studio_key=studio_key,
            data_scientist_zones=ZoneGrants(
                read=access.data_scientist.read, write=access.data_scientist.write
            ),
            ml_engineer_zones=ZoneGrants(
                read=access.ml_engineer.read, write=access.ml_engineer.write
            ),
            job_subnet_ids=selected_subnet_ids(vpc, subnets),
            job_vpc=vpc,
            job_security_group_ids=[self.job_security_group.security_group_id],
            job_keys=[artifacts_key, data_lake_key, studio_key],
        )

        self.tracking_server: MlflowTrackingServer | None = None
        if studio.mlflow.enabled:
            self.tracking_server = MlflowTrackingServer(
                self,
                "ExperimentTracking",
                tracking_server_name=f"cd4ml-{environment}",
                artifacts_bucket=artifacts_bucket,
                prefix="mlflow/",
                size=studio.mlflow.size,
                weekly_maintenance_window_start=studio.mlflow.weekly_maintenance_window_start,
            )
            self.personas.allow_experiment_tracking(tracking_server_arn=self.tracking_server.arn)

        self.domain: StudioDomain | None = None
        self.user_profiles: dict[str, StudioUserProfile] = {}
        if not studio.enabled:
            return
        sharing = None
        if studio.notebook_sharing:
            sharing = NotebookSharing(
                bucket=artifacts_bucket, prefix=SHARING_PREFIX, key=artifacts_key
            )
            for role in self.personas.studio_roles.values():
                role.grant_objects(
                    artifacts_bucket,
                    f"{SHARING_PREFIX}*",
                    write=True,
                    reason="Notebooks shared with their cell output, under the studio-sharing/ "
                    "prefix of the artifacts bucket.",
                )
        self.domain = StudioDomain(
            self,
            "Domain",
            domain_name=f"cd4ml-{environment}",
            vpc=vpc,
            subnets=subnets,
            encryption_key=studio_key,
            default_execution_role=self.personas.data_scientist,
            space_execution_role=self.personas.data_scientist,
            endpoint_security_groups=endpoint_security_groups,
            gateway_prefix_lists=gateway_prefix_lists,
            idle=IdleShutdown(
                timeout_minutes=studio.idle_timeout_minutes,
                max_timeout_minutes=studio.max_idle_timeout_minutes,
            ),
            spaces=SpaceDefaults(
                instance_type=studio.default_instance_type,
                volume_gb=studio.space_volume_gb,
                max_volume_gb=studio.max_space_volume_gb,
            ),
            sharing=sharing,
        )
        if project_templates_location is not None:
            cdk.Tags.of(self.domain.domain).add(
                "sagemaker:projectS3TemplatesLocation", project_templates_location
            )
        self.personas.allow_studio(domain_id=self.domain.domain_id)
        roles = self.personas.studio_roles
        for profile in studio.user_profiles:
            self.user_profiles[profile.user_name] = StudioUserProfile(
                self,
                f"UserProfile-{profile.user_name}",
                domain=self.domain,
                user_name=profile.user_name,
                execution_role=roles[profile.persona],
                persona=profile.persona,
                team=profile.team,
            )
        cdk.CfnOutput(
            self,
            "DomainId",
            value=self.domain.domain_id,
            description="Studio domain id (teardown: delete apps, spaces, profiles, then domain)",
        )
        cdk.CfnOutput(
            self,
            "HomeEfsId",
            value=self.domain.home_efs_id,
            description="EFS file system of Studio home directories; retained after the domain",
        )
