"""The platform's personas: who builds models, who approves them, who runs the platform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.sagemaker_guardrails import sagemaker_job_guardrail_statements
from cd4ml_constructs.studio.personas import (
    data_scientist,
    ml_engineer,
    model_approver,
    platform_admin,
)
from cd4ml_constructs.studio.personas.actions import SAGEMAKER, SESSION_DURATION
from cd4ml_constructs.studio.personas.builder import ZoneGrants, allow_job_network
from cd4ml_constructs.studio.personas.resources import PersonaResources
from cd4ml_constructs.studio.personas.separation_of_duties import (
    deny_approval_policy_changes,
    deny_model_approval,
)
from cd4ml_constructs.studio.personas.studio_access import (
    allow_mlflow_tracking,
    allow_studio_domain,
)
from constructs import Construct


class PlatformPersonas(Construct):
    """One IAM role per persona, and the separation of duties between them.

    ``data_scientist``, ``ml_engineer`` and ``model_approver`` are Studio
    execution roles: SageMaker assumes them for a user profile and records
    the profile name as source identity, so CloudTrail names the person
    behind every call. The approver role may also be assumed by people of
    this account signed in with MFA (approval from the console or CLI).
    ``platform_admin`` is assumed by people with MFA only.

    Separation of duties, provable from the synthesized policies:

    - only ``model_approver`` may change a model package's approval status
      (``sagemaker:UpdateModelPackage``), and only on model packages of this
      platform (``model-package/cd4ml-<environment>-*/*``);
    - every other persona carries ``DenyModelApproval``: no approval, and no
      registration of a package that is already approved;
    - every persona carries ``DenyApprovalPolicyChanges``: no change to
      model package group policies or to project approval policies
      (``/cd4ml/<environment>/projects/*`` parameters), which change only
      through deployments;
    - every persona carries ``SageMakerJobGuardrails``
      (:func:`~cd4ml_constructs.sagemaker_guardrails.sagemaker_job_guardrail_statements`):
      no SageMaker job, model, endpoint configuration or notebook outside
      ``job_subnet_ids`` and ``job_security_group_ids``, without one of
      ``job_keys`` for volumes and outputs, without inter-container traffic
      encryption, or without network isolation for training, tuning and models.

    Data access goes through the grant methods of the buckets and keys:
    builders get the lake zones of their :class:`ZoneGrants` and their own
    prefixes of the artifacts bucket; the approver reads artifacts only;
    the platform administrator reads no data.

    :param environment: environment name; the platform's SageMaker resources
        are named ``cd4ml-<environment>-*``.
    :param zone_buckets: the lake's bucket per zone.
    :param artifacts_bucket: the model-artifacts bucket.
    :param studio_key: the key of Studio's home and space volumes.
    :param data_scientist_zones: lake zones of the data scientist.
    :param ml_engineer_zones: lake zones of the ML engineer.
    :param job_subnet_ids: the subnets SageMaker jobs may run in (tokens allowed);
        the builders' network-interface actions are limited to them.
    :param job_vpc: the platform's VPC, the only one whose security groups a
        job's network interface may carry.
    :param job_security_group_ids: the security groups SageMaker jobs may carry.
    :param job_keys: the keys of SageMaker job volumes and outputs.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: str,
        zone_buckets: Mapping[str, s3.IBucket],
        artifacts_bucket: s3.IBucket,
        studio_key: kms.IKey,
        data_scientist_zones: ZoneGrants,
        ml_engineer_zones: ZoneGrants,
        job_subnet_ids: Sequence[str],
        job_vpc: ec2.IVpc,
        job_security_group_ids: Sequence[str],
        job_keys: Sequence[kms.IKey],
    ) -> None:
        super().__init__(scope, id)
        self.resources = PersonaResources.of(
            cdk.Stack.of(self), environment=environment, artifacts_bucket=artifacts_bucket
        )
        self.model_packages_arn = self.resources.model_packages_arn
        self.model_package_groups_arn = self.resources.model_package_groups_arn
        self.approval_parameters_arn = self.resources.approval_parameters_arn

        self.data_scientist = self._studio_role("DataScientistRole", data_scientist.DESCRIPTION)
        self.ml_engineer = self._studio_role("MlEngineerRole", ml_engineer.DESCRIPTION)
        self.model_approver = self._studio_role("ModelApproverRole", model_approver.DESCRIPTION)
        self.model_approver.assume_role_policy.add_statements(  # type: ignore[union-attr]
            model_approver.people_with_mfa_may_assume()
        )
        self.platform_admin = ManagedPolicyRole(
            self,
            "PlatformAdministratorRole",
            assumed_by=platform_admin.people_with_mfa(),
            description=platform_admin.DESCRIPTION,
            max_session_duration=SESSION_DURATION,
        )
        self.roles: dict[str, ManagedPolicyRole] = {
            "data_scientist": self.data_scientist,
            "ml_engineer": self.ml_engineer,
            "model_approver": self.model_approver,
            "platform_admin": self.platform_admin,
        }

        self.deny_model_approval = deny_model_approval(
            self, roles=[self.data_scientist, self.ml_engineer, self.platform_admin]
        )
        self.deny_approval_policy_changes = deny_approval_policy_changes(
            self,
            roles=list(self.roles.values()),
            approval_parameters_arn=self.approval_parameters_arn,
        )
        self.job_guardrails = iam.ManagedPolicy(
            self,
            "SageMakerJobGuardrails",
            description="SageMaker jobs, models and notebooks only in the platform's subnets "
            "and security groups, on its keys, encrypted between containers, isolated",
            roles=list(self.roles.values()),
            statements=sagemaker_job_guardrail_statements(
                subnet_ids=job_subnet_ids,
                security_group_ids=job_security_group_ids,
                kms_keys=job_keys,
            ),
        )

        data_scientist.grant_data_scientist(
            self.data_scientist,
            resources=self.resources,
            zone_buckets=zone_buckets,
            zones=data_scientist_zones,
        )
        ml_engineer.grant_ml_engineer(
            self.ml_engineer,
            resources=self.resources,
            zone_buckets=zone_buckets,
            zones=ml_engineer_zones,
        )
        for builder in (self.data_scientist, self.ml_engineer):
            allow_job_network(
                builder,
                stack=self.resources.stack,
                subnet_ids=job_subnet_ids,
                vpc_arn=job_vpc.vpc_arn,
            )
        model_approver.grant_model_approver(self.model_approver, resources=self.resources)
        platform_admin.grant_platform_admin(self.platform_admin, resources=self.resources)
        for role in (self.data_scientist, self.ml_engineer, self.model_approver):
            studio_key.grant_encrypt_decrypt(role)
            role.allow(
                actions=["kms:CreateGrant"],
                resources=[studio_key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )

    @property
    def studio_roles(self) -> dict[str, ManagedPolicyRole]:
        """The personas that have Studio user profiles, by persona name."""
        return {name: role for name, role in self.roles.items() if name != "platform_admin"}

    def allow_studio(self, *, domain_id: str) -> None:
        """Let the Studio personas use the domain: own private spaces, shared spaces, apps.

        The administrator may describe everything and delete apps and spaces
        (teardown, stuck apps) but create none.
        """
        allow_studio_domain(
            studio_roles=self.studio_roles.values(),
            platform_admin=self.platform_admin,
            resources=self.resources,
            domain_id=domain_id,
        )

    def allow_experiment_tracking(self, *, tracking_server_arn: str) -> None:
        """Let data scientists and ML engineers track experiments on the MLflow server.

        The administrator may start, stop and describe the server (it bills
        while it runs).
        """
        allow_mlflow_tracking(
            trackers=(self.data_scientist, self.ml_engineer),
            platform_admin=self.platform_admin,
            tracking_server_arn=tracking_server_arn,
        )

    def _studio_role(self, id: str, description: str) -> ManagedPolicyRole:
        role = ManagedPolicyRole(
            self,
            id,
            assumed_by=iam.ServicePrincipal(SAGEMAKER),
            description=description,
            max_session_duration=SESSION_DURATION,
        )
        # The domain passes the user profile name as source identity.
        role.assume_role_policy.add_statements(  # type: ignore[union-attr]
            iam.PolicyStatement(
                actions=["sts:SetSourceIdentity"], principals=[iam.ServicePrincipal(SAGEMAKER)]
            )
        )
        return role
