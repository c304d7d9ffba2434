"""The platform's personas: who builds models, who approves them, who runs the platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.region_table import regional_list
from config.sagemaker_images import SAGEMAKER_IMAGE_ACCOUNTS
from constructs import Construct

SAGEMAKER = "sagemaker.amazonaws.com"
# Longest session of a persona, written into each role.
SESSION_DURATION = cdk.Duration.hours(1)

# Actions that decide whether a model may be deployed, or under which policy.
APPROVAL_ACTIONS: tuple[str, ...] = ("sagemaker:UpdateModelPackage",)
APPROVAL_POLICY_ACTIONS: tuple[str, ...] = (
    "sagemaker:DeleteModelPackageGroupPolicy",
    "sagemaker:PutModelPackageGroupPolicy",
)
APPROVAL_PARAMETER_ACTIONS: tuple[str, ...] = (
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:PutParameter",
)

# What a Studio persona may do to its own and to shared spaces of the domain.
STUDIO_SPACE_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateApp",
    "sagemaker:CreateSpace",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteSpace",
    "sagemaker:UpdateSpace",
)

# MLflow actions for tracking experiments (runs, parameters, metrics, inputs,
# artifacts, logged models). The MLflow model registry is left out on purpose:
# models are registered and approved in the SageMaker model registry only.
MLFLOW_TRACKING_ACTIONS: tuple[str, ...] = (
    "sagemaker-mlflow:AccessUI",
    "sagemaker-mlflow:CreateExperiment",
    "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:DeleteRun",
    "sagemaker-mlflow:DeleteTag",
    "sagemaker-mlflow:FinalizeLoggedModel",
    "sagemaker-mlflow:GetExperiment",
    "sagemaker-mlflow:GetExperimentByName",
    "sagemaker-mlflow:GetLoggedModel",
    "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:GetRun",
    "sagemaker-mlflow:ListArtifacts",
    "sagemaker-mlflow:ListLoggedModelArtifacts",
    "sagemaker-mlflow:LogBatch",
    "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:LogLoggedModelParams",
    "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogModel",
    "sagemaker-mlflow:LogOutputs",
    "sagemaker-mlflow:LogParam",
    "sagemaker-mlflow:RestoreRun",
    "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:SearchLoggedModels",
    "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:SetExperimentTag",
    "sagemaker-mlflow:SetTag",
    "sagemaker-mlflow:UpdateExperiment",
    "sagemaker-mlflow:UpdateRun",
)


@dataclass(frozen=True)
class ZoneGrants:
    """Lake zones a persona reads, and those it also writes."""

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()


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
      through deployments.

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
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        prefix = f"cd4ml-{environment}-"
        self.model_packages_arn = _sagemaker_arn(stack, "model-package", f"{prefix}*/*")
        self.model_package_groups_arn = _sagemaker_arn(stack, "model-package-group", f"{prefix}*")
        self.approval_parameters_arn = stack.format_arn(
            service="ssm", resource="parameter", resource_name=f"cd4ml/{environment}/projects/*"
        )
        self._stack = stack
        self._pipelines_arn = _sagemaker_arn(stack, "pipeline", f"{prefix}*")
        self._pipeline_executions_arn = _sagemaker_arn(stack, "pipeline", f"{prefix}*/execution/*")
        self._sagemaker_log_groups_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws/sagemaker/*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        self._artifacts_bucket = artifacts_bucket

        self.data_scientist = self._studio_role(
            "DataScientistRole",
            "Data scientist: explores lake data and runs experiments in Studio; cannot approve",
        )
        self.ml_engineer = self._studio_role(
            "MlEngineerRole",
            "ML engineer: builds data and model pipelines in Studio; cannot approve",
        )
        self.model_approver = self._studio_role(
            "ModelApproverRole",
            "Model approver: reviews and approves the platform's model packages; no lake data",
        )
        self.model_approver.assume_role_policy.add_statements(  # type: ignore[union-attr]
            _people_with_mfa_may_assume()
        )
        self.platform_admin = ManagedPolicyRole(
            self,
            "PlatformAdministratorRole",
            assumed_by=_people_with_mfa(),
            description="Platform administrator: operates Studio and MLflow; no data, no approval",
            max_session_duration=SESSION_DURATION,
        )
        self.roles: dict[str, ManagedPolicyRole] = {
            "data_scientist": self.data_scientist,
            "ml_engineer": self.ml_engineer,
            "model_approver": self.model_approver,
            "platform_admin": self.platform_admin,
        }

        self.deny_model_approval = iam.ManagedPolicy(
            self,
            "DenyModelApproval",
            description="Separation of duties: only the model approver persona approves models",
            roles=[self.data_scientist, self.ml_engineer, self.platform_admin],
            statements=[
                iam.PolicyStatement(
                    sid="NoModelApproval",
                    effect=iam.Effect.DENY,
                    actions=list(APPROVAL_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="NoRegistrationAsApproved",
                    effect=iam.Effect.DENY,
                    actions=["sagemaker:CreateModelPackage"],
                    resources=["*"],
                    conditions={"StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}},
                ),
            ],
        )
        self.deny_approval_policy_changes = iam.ManagedPolicy(
            self,
            "DenyApprovalPolicyChanges",
            description="Approval policies change only through deployments, never by a persona",
            roles=list(self.roles.values()),
            statements=[
                iam.PolicyStatement(
                    sid="NoRegistryPolicyChanges",
                    effect=iam.Effect.DENY,
                    actions=list(APPROVAL_POLICY_ACTIONS),
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="NoProjectPolicyChanges",
                    effect=iam.Effect.DENY,
                    actions=list(APPROVAL_PARAMETER_ACTIONS),
                    resources=[self.approval_parameters_arn],
                ),
            ],
        )

        for role, zones in (
            (self.data_scientist, data_scientist_zones),
            (self.ml_engineer, ml_engineer_zones),
        ):
            self._allow_lake(role, zone_buckets, zones)
            self._allow_builder_work(role)
        self.ml_engineer.grant_objects(
            artifacts_bucket,
            "*",
            write=False,
            reason="The ML engineer reads every artifact of the platform's artifacts bucket, "
            "which its pipelines write.",
        )
        self._allow_pipelines(self.ml_engineer)
        self._allow_approval(self.model_approver)
        self._allow_operations(self.platform_admin)
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
        arn = self._domain_arns(domain_id)
        own_profile = _sagemaker_arn(
            self._stack, "user-profile", f"{domain_id}/${{sagemaker:UserProfileName}}"
        )
        spaces = (
            (
                {"ArnLike": {"sagemaker:OwnerUserProfileArn": own_profile}},
                "Spaces and apps of this Studio domain owned by the caller's own profile.",
            ),
            (
                {"Null": {"sagemaker:OwnerUserProfileArn": "true"}},
                "Shared spaces (no owner) of this Studio domain and their apps.",
            ),
        )
        for role in self.studio_roles.values():
            self._allow_studio_reading(role, "StudioSpaces", arn)
            for conditions, reason in spaces:
                role.allow(
                    "StudioSpaces",
                    actions=STUDIO_SPACE_ACTIONS,
                    resources=[arn["space"], arn["app"]],
                    conditions=conditions,
                    reason=reason,
                )
            role.allow(
                "StudioSpaces",
                actions=["sagemaker:AddTags"],
                resources=[arn["space"], arn["app"]],
                conditions={"Null": {"sagemaker:TaggingAction": "false"}},
                reason="Studio tags the spaces and apps it creates in this domain, at creation.",
            )
        self._allow_studio_reading(self.platform_admin, "StudioOperations", arn)
        self.platform_admin.allow(
            "StudioOperations",
            actions=["sagemaker:DeleteApp", "sagemaker:DeleteSpace"],
            resources=[arn["space"], arn["app"]],
            reason="Apps and spaces of this Studio domain, deleted before a profile is removed.",
        )

    def allow_experiment_tracking(self, *, tracking_server_arn: str) -> None:
        """Let data scientists and ML engineers track experiments on the MLflow server.

        The administrator may start, stop and describe the server (it bills
        while it runs).
        """
        for role in (self.data_scientist, self.ml_engineer):
            role.allow(
                "ExperimentTracking",
                actions=[
                    *MLFLOW_TRACKING_ACTIONS,
                    "sagemaker:CreatePresignedMlflowTrackingServerUrl",
                    "sagemaker:DescribeMlflowTrackingServer",
                ],
                resources=[tracking_server_arn],
            )
            role.allow(
                "ExperimentTracking",
                actions=["sagemaker:ListMlflowTrackingServers"],
                resources=["*"],
                reason="Listing MLflow tracking servers supports no resource-level permissions.",
            )
        self.platform_admin.allow(
            "TrackingServerOperations",
            actions=[
                "sagemaker:DescribeMlflowTrackingServer",
                "sagemaker:StartMlflowTrackingServer",
                "sagemaker:StopMlflowTrackingServer",
            ],
            resources=[tracking_server_arn],
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

    def _allow_lake(
        self,
        role: ManagedPolicyRole,
        zone_buckets: Mapping[str, s3.IBucket],
        zones: ZoneGrants,
    ) -> None:
        # Written zones first, then the zones only read; a written zone is also read.
        for zone in dict.fromkeys((*zones.write, *zones.read)):
            role.grant_objects(
                zone_buckets[zone],
                "*",
                write=zone in zones.write,
                reason=f"Every object of the {zone} zone bucket of the data lake.",
            )

    def _allow_builder_work(self, role: ManagedPolicyRole) -> None:
        stack = self._stack
        for prefix in ("experiments", "mlflow"):
            role.grant_objects(
                self._artifacts_bucket,
                f"{prefix}/*",
                write=True,
                reason=f"Experiment outputs under the {prefix}/ prefix of the artifacts bucket.",
            )
        jobs = [
            _sagemaker_arn(stack, "training-job", "*"),
            _sagemaker_arn(stack, "processing-job", "*"),
        ]
        role.allow(
            "Jobs",
            actions=[
                "sagemaker:AddTags",
                "sagemaker:CreateProcessingJob",
                "sagemaker:CreateTrainingJob",
                "sagemaker:DescribeProcessingJob",
                "sagemaker:DescribeTrainingJob",
                "sagemaker:StopProcessingJob",
                "sagemaker:StopTrainingJob",
            ],
            resources=jobs,
            reason="Training and processing jobs are named by whoever runs them, in this "
            "account and region; they run with this role, the only one it may pass.",
        )
        role.allow(
            "Jobs",
            actions=["iam:PassRole"],
            resources=[role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER}},
        )
        role.allow(
            "Jobs",
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:FilterLogEvents",
                "logs:GetLogEvents",
                "logs:PutLogEvents",
            ],
            resources=[self._sagemaker_log_groups_arn],
            reason="Log groups SageMaker jobs and apps write to (/aws/sagemaker/...).",
        )
        role.allow(
            "Jobs",
            actions=[
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ecr:GetAuthorizationToken",
                "sagemaker:ListProcessingJobs",
                "sagemaker:ListTrainingJobs",
                "sagemaker:Search",
            ],
            resources=["*"],
            reason="Network interfaces of jobs in the VPC, the ECR token and listing/search: "
            "these actions have no resource-level permissions.",
        )
        role.allow(
            "Jobs",
            actions=[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            resources=[stack.format_arn(service="ecr", resource="repository", resource_name="*")],
            reason="Container images of SageMaker jobs from this account's repositories in "
            "this region.",
        )
        role.allow(
            "Jobs",
            actions=[
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            resources=[
                stack.format_arn(
                    service="ecr", account="*", resource="repository", resource_name="*"
                )
            ],
            conditions={
                "StringEquals": {
                    "aws:ResourceAccount": regional_list(
                        self, mapping_id="SageMakerImageAccounts", table=SAGEMAKER_IMAGE_ACCOUNTS
                    )
                }
            },
            reason="Container images of SageMaker jobs from the AWS-owned SageMaker image "
            "registries of this region (config/sagemaker_images.py), by condition.",
        )
        self._allow_registration(role)
        role.allow(
            "ModelRegistry",
            actions=["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            resources=[self.approval_parameters_arn],
            reason="Read-only view of the projects' approval policies (/cd4ml/<env>/projects/).",
        )

    def _allow_registration(self, role: ManagedPolicyRole) -> None:
        role.allow(
            "ModelRegistry",
            actions=[
                "sagemaker:AddTags",
                "sagemaker:CreateModelPackage",
                "sagemaker:DescribeModelPackage",
            ],
            resources=[self.model_packages_arn],
            reason="Model packages of the platform's groups (cd4ml-<env>-*); they are "
            "registered pending approval.",
        )
        self._allow_registry_reading(role)

    def _allow_registry_reading(self, role: ManagedPolicyRole) -> None:
        role.allow(
            "ModelRegistry",
            actions=["sagemaker:DescribeModelPackageGroup"],
            resources=[self.model_package_groups_arn],
            reason="Model package groups of this platform only (named cd4ml-<env>-*).",
        )
        role.allow(
            "ModelRegistry",
            actions=["sagemaker:ListModelPackageGroups", "sagemaker:ListModelPackages"],
            resources=["*"],
            reason="Listing model packages and groups supports no resource-level permissions.",
        )

    def _allow_pipelines(self, role: ManagedPolicyRole) -> None:
        role.allow(
            "Pipelines",
            actions=[
                "sagemaker:AddTags",
                "sagemaker:CreatePipeline",
                "sagemaker:DescribePipeline",
                "sagemaker:ListPipelineExecutions",
                "sagemaker:StartPipelineExecution",
                "sagemaker:UpdatePipeline",
            ],
            resources=[self._pipelines_arn],
            reason="SageMaker pipelines of this platform only (named cd4ml-<env>-*).",
        )
        role.allow(
            "Pipelines",
            actions=[
                "sagemaker:DescribePipelineDefinitionForExecution",
                "sagemaker:DescribePipelineExecution",
                "sagemaker:ListPipelineExecutionSteps",
                "sagemaker:RetryPipelineExecution",
                "sagemaker:StopPipelineExecution",
            ],
            resources=[self._pipeline_executions_arn],
            reason="Executions of the platform's SageMaker pipelines (cd4ml-<env>-*).",
        )
        role.allow(
            "Pipelines",
            actions=["sagemaker:ListPipelines"],
            resources=["*"],
            reason="sagemaker:ListPipelines supports no resource-level permissions.",
        )

    def _allow_approval(self, role: ManagedPolicyRole) -> None:
        role.grant_objects(
            self._artifacts_bucket,
            "*",
            write=False,
            reason="The approver reads evaluation reports and model artifacts before deciding.",
        )
        role.allow(
            "ModelApproval",
            actions=[*APPROVAL_ACTIONS, "sagemaker:DescribeModelPackage"],
            resources=[self.model_packages_arn],
            reason="Only model packages of the platform's groups (cd4ml-<env>-*) can be approved.",
        )
        self._allow_registry_reading(role)

    def _allow_operations(self, role: ManagedPolicyRole) -> None:
        self._allow_registry_reading(role)
        role.allow(
            "Operations",
            actions=[
                "logs:DescribeLogStreams",
                "logs:FilterLogEvents",
                "logs:GetLogEvents",
            ],
            resources=[self._sagemaker_log_groups_arn],
            reason="Log groups of SageMaker apps and jobs (/aws/sagemaker/...), read only.",
        )

    def _allow_studio_reading(
        self, role: ManagedPolicyRole, purpose: str, arn: Mapping[str, str]
    ) -> None:
        role.allow(
            purpose,
            actions=[
                "sagemaker:DescribeApp",
                "sagemaker:DescribeDomain",
                "sagemaker:DescribeSpace",
                "sagemaker:DescribeUserProfile",
                "sagemaker:ListTags",
            ],
            resources=[arn["domain"], arn["user-profile"], arn["space"], arn["app"]],
            reason="User profiles, spaces and apps of this Studio domain only (its domain id).",
        )
        role.allow(
            purpose,
            actions=[
                "sagemaker:ListApps",
                "sagemaker:ListDomains",
                "sagemaker:ListSpaces",
                "sagemaker:ListUserProfiles",
            ],
            resources=["*"],
            reason="Listing Studio domains, profiles, spaces and apps supports no resource-level "
            "permissions.",
        )

    def _domain_arns(self, domain_id: str) -> dict[str, str]:
        return {
            "domain": _sagemaker_arn(self._stack, "domain", domain_id),
            "user-profile": _sagemaker_arn(self._stack, "user-profile", f"{domain_id}/*"),
            "space": _sagemaker_arn(self._stack, "space", f"{domain_id}/*"),
            "app": _sagemaker_arn(self._stack, "app", f"{domain_id}/*"),
        }


def _sagemaker_arn(stack: cdk.Stack, resource: str, name: str) -> str:
    return stack.format_arn(service="sagemaker", resource=resource, resource_name=name)


def _people_with_mfa() -> iam.IPrincipal:
    return iam.AccountRootPrincipal().with_conditions(
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    )


def _people_with_mfa_may_assume() -> iam.PolicyStatement:
    return iam.PolicyStatement(
        actions=["sts:AssumeRole"],
        principals=[iam.AccountRootPrincipal()],
        conditions={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    )
