"""The roles that put a model on an endpoint in the pipeline's own account.

Each role holds exactly what its job needs, in customer-managed policies
(:class:`ManagedPolicyRole`), with every wildcard explained where it is written.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.deploy_pipeline_artifacts import pipeline_artifacts_prefix
from cd4ml_constructs.projects.network_access import allow_vpc_network
from constructs import Construct

DATA_CAPTURE_PREFIX = "data-capture"
_GENERATED_NAMES = (
    "CloudFormation names the endpoint stack's models and endpoint configs itself (their "
    "properties are create-only, so every deploy makes new ones); creating and deleting them "
    "is further limited to resources tagged with this project."
)


def _arn(stack: cdk.Stack, service: str, resource: str, name: str) -> str:
    return stack.format_arn(
        service=service,
        resource=resource,
        resource_name=name,
        arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
    )


def endpoint_execution_role(
    scope: Construct,
    *,
    endpoint_name: str,
    artifact_bucket: s3.IBucket,
    project: str,
    subnet_ids: Sequence[str],
    vpc_id: str,
) -> ManagedPolicyRole:
    """The SageMaker execution role of ``endpoint_name``: pull the model, write its capture, logs.

    Reads the project's build outputs (model artifacts), writes data capture under
    ``data-capture/<endpoint>/``, pulls images, writes the endpoint's logs and
    manages the network interfaces of its VPC config in ``subnet_ids`` of ``vpc_id`` only.
    """
    stack = cdk.Stack.of(scope)
    role = ManagedPolicyRole(
        scope,
        "EndpointRole",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        description=f"SageMaker execution role of the endpoint {endpoint_name}",
    )
    role.grant_objects(
        artifact_bucket,
        f"projects/{project}/build/*",
        write=False,
        reason=(
            "The model's artifacts are the build outputs of this project, under its own "
            "prefix of the artifacts bucket; the model package names which ones."
        ),
    )
    capture = f"{DATA_CAPTURE_PREFIX}/{endpoint_name}/*"
    artifact_bucket.grant_put(role, capture)
    role.explain_resource(
        artifact_bucket.arn_for_objects(capture),
        "SageMaker writes this endpoint's data capture under its own prefix, one object "
        "per variant and hour, with names it chooses.",
    )
    role.allow(
        "PullImage",
        actions=["ecr:GetAuthorizationToken"],
        resources=["*"],
        reason="ecr:GetAuthorizationToken has no resource-level permissions in IAM.",
    )
    role.allow(
        "PullImage",
        actions=[
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ],
        resources=[f"arn:{stack.partition}:ecr:{stack.region}:*:repository/*"],
        reason=(
            "The model package names the inference image; SageMaker's framework images "
            "live in AWS-owned registries whose account differs by region. Pull only."
        ),
    )
    log_group = f"log-group:/aws/sagemaker/Endpoints/{endpoint_name}"
    role.allow(
        "Logs",
        actions=[
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ],
        resources=[
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:{log_group}",
            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:{log_group}:*",
        ],
        reason="The endpoint's instances write one log stream each, named by SageMaker.",
    )
    allow_vpc_network(role, "Network", subnet_ids=subnet_ids, vpc_id=vpc_id)
    return role


def endpoint_deploy_role(
    scope: Construct,
    *,
    endpoint_name: str,
    stack_name: str,
    alarm_names: Sequence[str],
    endpoint_role_arn: str,
    artifact_bucket: s3.IBucket,
    artifacts_key: kms.IKey,
    model_package_group_name: str,
    pipeline_name: str,
    project: str,
) -> ManagedPolicyRole:
    """CloudFormation's role for the endpoint stack ``stack_name``: that endpoint and nothing else.

    Creates the project-tagged models and endpoint configs, creates and updates
    the endpoint ``endpoint_name`` and its two alarms, passes only the
    endpoint's execution role and only to SageMaker, and lets SageMaker use the
    artifacts key for the endpoint's volumes and capture (grants for AWS resources).
    """
    stack = cdk.Stack.of(scope)
    role = ManagedPolicyRole(
        scope,
        "DeployRole",
        assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
        description=f"CloudFormation role of the stack {stack_name}",
    )
    arn = _arn
    endpoint = arn(stack, "sagemaker", "endpoint", endpoint_name)
    models = arn(stack, "sagemaker", "model", "*")
    configs = arn(stack, "sagemaker", "endpoint-config", "*")
    # The endpoint template tags its models and endpoint configs with the project.
    tagged_project = {"aws:RequestTag/cd4ml:project": project}
    owned_project = {"aws:ResourceTag/cd4ml:project": project}
    role.allow(
        "Endpoint",
        actions=["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig"],
        resources=[models, configs],
        conditions={"StringEquals": tagged_project},
        reason=_GENERATED_NAMES,
    )
    role.allow(
        "Endpoint",
        actions=["sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"],
        resources=[models, configs],
        conditions={"StringEquals": owned_project},
        reason=_GENERATED_NAMES,
    )
    role.allow(
        "Endpoint",
        actions=[
            "sagemaker:AddTags",
            "sagemaker:DeleteTags",
            "sagemaker:DescribeEndpointConfig",
            "sagemaker:DescribeModel",
            "sagemaker:ListTags",
        ],
        resources=[models, configs, endpoint],
        reason=_GENERATED_NAMES,
    )
    role.allow(
        "Endpoint",
        actions=[
            "sagemaker:CreateEndpoint",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DescribeEndpoint",
            "sagemaker:UpdateEndpoint",
        ],
        resources=[endpoint, configs],
        reason=(
            "Creating or updating the endpoint names the endpoint config CloudFormation "
            "just created, whose name it generated."
        ),
    )
    role.allow(
        "Endpoint",
        actions=["sagemaker:DescribeModelPackage"],
        resources=[arn(stack, "sagemaker", "model-package", f"{model_package_group_name}/*")],
        reason="The model is created from one version of the project's model package group.",
    )
    role.allow(
        "Endpoint",
        actions=["iam:PassRole"],
        resources=[endpoint_role_arn],
        conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    )
    role.allow(
        "Endpoint",
        actions=["kms:CreateGrant"],
        resources=[artifacts_key.key_arn],
        conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
    )
    role.allow("Endpoint", actions=["kms:DescribeKey"], resources=[artifacts_key.key_arn])
    role.allow(
        "Endpoint",
        actions=[
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource",
            "cloudwatch:UntagResource",
        ],
        resources=[
            f"arn:{stack.partition}:cloudwatch:{stack.region}:{stack.account}:alarm:{name}"
            for name in alarm_names
        ],
    )
    role.grant_objects(
        artifact_bucket,
        f"{pipeline_artifacts_prefix(pipeline_name)}/*",
        write=False,
        reason=(
            "CloudFormation reads the endpoint template from the deploy pipeline's own "
            "artifacts, stored under the pipeline's name with keys CodePipeline chooses."
        ),
    )
    return role
