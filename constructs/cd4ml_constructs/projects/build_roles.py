"""The roles of a project's model build: the SageMaker pipeline's and the CodeBuild upsert's."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.network_access import allow_vpc_network
from cd4ml_constructs.projects.platform_contract import PlatformValues
from constructs import Construct

# SageMaker Pipelines names its jobs ``pipelines-<execution>-<step>-<hash>``.
PIPELINE_JOB_ACTIONS = (
    "sagemaker:CreateProcessingJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:StopProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:AddTags",
)
REGISTER_ACTIONS = (
    "sagemaker:CreateModelPackage",
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
)
UPSERT_ACTIONS = (
    "sagemaker:CreatePipeline",
    "sagemaker:UpdatePipeline",
    "sagemaker:DescribePipeline",
    "sagemaker:AddTags",
)
IMAGE_PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def pipeline_execution_role(
    scope: Construct,
    id: str,
    *,
    project: str,
    group_name: str,
    platform: PlatformValues,
) -> ManagedPolicyRole:
    """The role SageMaker Pipelines runs the project's build steps with.

    Its jobs read the project's raw data, read and write the project's build
    prefix of the artifacts bucket, pull the AWS-owned framework images, run in
    the platform's subnets and register model packages in the project's
    group only.
    """
    stack = cdk.Stack.of(scope)
    role = ManagedPolicyRole(
        scope,
        id,
        description=f"SageMaker Pipelines: the model-build steps of {project}",
        grants_policy="BuildData",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com").with_conditions(
            {"StringEquals": {"aws:SourceAccount": stack.account}}
        ),
    )
    role.grant_objects(
        platform.raw_bucket,
        f"{project}/*",
        write=False,
        reason="The project's raw data prefix (<project>/): the steps read every new file of it.",
    )
    role.grant_objects(
        platform.artifacts_bucket,
        f"projects/{project}/*",
        write=True,
        reason="The project's build prefix: step code, datasets, the model, its evaluation "
        "report and drift baseline.",
    )
    role.allow(
        "Jobs",
        actions=PIPELINE_JOB_ACTIONS,
        resources=[
            stack.format_arn(service="sagemaker", resource="processing-job", resource_name="*"),
            stack.format_arn(service="sagemaker", resource="training-job", resource_name="*"),
        ],
        reason="SageMaker Pipelines names each step's job at run time (pipelines-<execution>-"
        "<step>-<hash>); the job guardrails bind its network and keys.",
    )
    role.allow(
        "Jobs",
        actions=REGISTER_ACTIONS,
        resources=[
            stack.format_arn(
                service="sagemaker", resource="model-package-group", resource_name=group_name
            ),
            stack.format_arn(
                service="sagemaker", resource="model-package", resource_name=f"{group_name}/*"
            ),
        ],
        reason="Model package versions of the project's own group, numbered when registered.",
    )
    role.allow(
        "Jobs",
        actions=["iam:PassRole"],
        resources=[role.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    )
    allow_vpc_network(role, "Jobs", subnet_ids=platform.subnet_ids, vpc_id=platform.vpc_id)
    role.allow(
        "Jobs",
        actions=IMAGE_PULL_ACTIONS,
        resources=[
            stack.format_arn(
                service="ecr", account="*", resource="repository", resource_name="sagemaker-*"
            )
        ],
        reason="The AWS-owned SageMaker framework images, whose registry account differs "
        "per region.",
    )
    role.allow(
        "Jobs",
        actions=["ecr:GetAuthorizationToken"],
        resources=["*"],
        reason="ecr:GetAuthorizationToken has no resource-level permissions.",
    )
    role.allow(
        "Jobs",
        actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"/aws/sagemaker/{kind}:*",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
            for kind in ("ProcessingJobs", "TrainingJobs")
        ],
        reason="The log groups SageMaker writes job logs to, with one stream per job.",
    )
    role.allow(
        "Jobs",
        actions=["cloudwatch:PutMetricData"],
        resources=["*"],
        conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
        reason="cloudwatch:PutMetricData has no resource type; the namespace condition limits "
        "it to SageMaker's job metrics.",
    )
    for key in (platform.artifacts_key, platform.data_lake_key):
        role.allow(
            "Jobs",
            actions=["kms:CreateGrant"],
            resources=[key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )
    return role


def upsert_role(
    scope: Construct,
    id: str,
    *,
    project: str,
    pipeline_name: str,
    execution_role: iam.IRole,
    platform: PlatformValues,
) -> ManagedPolicyRole:
    """The CodeBuild role that uploads the step code and upserts the SageMaker pipeline."""
    stack = cdk.Stack.of(scope)
    role = ManagedPolicyRole(
        scope,
        id,
        description=f"CodeBuild: upserts the model-build pipeline of {project}",
        grants_policy="BuildCode",
        assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com").with_conditions(
            {"StringEquals": {"aws:SourceAccount": stack.account}}
        ),
    )
    role.grant_objects(
        platform.artifacts_bucket,
        f"projects/{project}/*",
        write=True,
        reason="The project's prefix: the build uploads its step code and reads the source.",
    )
    role.allow(
        "Upsert",
        actions=UPSERT_ACTIONS,
        resources=[
            stack.format_arn(service="sagemaker", resource="pipeline", resource_name=pipeline_name)
        ],
    )
    role.allow(
        "Upsert",
        actions=["iam:PassRole"],
        resources=[execution_role.role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    )
    return role
