"""Endpoint policies: what may pass through a VPC endpoint, limited to this account.

Every endpoint of the platform carries one. The principal must belong to
this account; the resource must too, except AWS-owned resources named here:
ECR repositories of the SageMaker image accounts and the S3 buckets ECR and
SageMaker serve from.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from constructs import IConstruct

# ECR's image layers live in an AWS-owned bucket per region (ECR user guide,
# "Amazon ECR interface VPC endpoints": the S3 gateway endpoint must allow it).
# JumpStart models and scripts are served from an AWS-owned bucket per region.
AWS_OWNED_BUCKETS: tuple[str, ...] = (
    "prod-{region}-starport-layer-bucket",
    "jumpstart-cache-prod-{region}",
)
# The IAM service prefix of each interface endpoint's API.
SERVICE_PREFIX: dict[str, str] = {
    "sagemaker.api": "sagemaker",
    "sagemaker.runtime": "sagemaker",
    "sagemaker.studio": "sagemaker",
    "sagemaker.experiments": "sagemaker",
    "sagemaker.featurestore-runtime": "sagemaker",
    "monitoring": "cloudwatch",
    "ecr.api": "ecr",
    "ecr.dkr": "ecr",
}
IMAGE_PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)


def _this_account(scope: IConstruct) -> dict[str, dict[str, str]]:
    return {"StringEquals": {"aws:PrincipalAccount": cdk.Stack.of(scope).account}}


def interface_statements(
    scope: IConstruct, *, service: str, image_accounts: Sequence[str]
) -> list[iam.PolicyStatement]:
    """Statements of one interface endpoint's policy.

    This account's principals, on this account's resources (an action without
    a resource, such as ``ecr:GetAuthorizationToken``, has no resource account
    and passes). The ECR endpoints also admit image pulls from
    ``image_accounts``, the AWS-owned SageMaker image registries.
    """
    stack = cdk.Stack.of(scope)
    statements = [
        iam.PolicyStatement(
            sid="ThisAccountOnly",
            principals=[iam.AnyPrincipal()],
            actions=[f"{SERVICE_PREFIX.get(service, service)}:*"],
            resources=["*"],
            conditions={
                **_this_account(scope),
                "StringEqualsIfExists": {"aws:ResourceAccount": stack.account},
            },
        )
    ]
    if service in ("ecr.api", "ecr.dkr"):
        statements.append(
            iam.PolicyStatement(
                sid="SageMakerImages",
                principals=[iam.AnyPrincipal()],
                actions=list(IMAGE_PULL_ACTIONS),
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:PrincipalAccount": stack.account,
                        "aws:ResourceAccount": image_accounts,
                    },
                },
            )
        )
    return statements


def s3_gateway_statements(scope: IConstruct, *, bucket_prefix: str) -> list[iam.PolicyStatement]:
    """The S3 gateway endpoint: the platform's buckets and the AWS-owned ones it needs.

    :param bucket_prefix: the platform's bucket names start with it (the
        environment's stacks are ``<env>-...`` and CloudFormation names their
        buckets after the stack).
    """
    stack = cdk.Stack.of(scope)
    buckets = f"arn:{stack.partition}:s3:::{bucket_prefix}*"
    return [
        iam.PolicyStatement(
            sid="PlatformBuckets",
            principals=[iam.AnyPrincipal()],
            actions=["s3:*"],
            resources=[buckets, f"{buckets}/*"],
            conditions={
                "StringEquals": {
                    "aws:PrincipalAccount": stack.account,
                    "aws:ResourceAccount": stack.account,
                }
            },
        ),
        iam.PolicyStatement(
            sid="AwsOwnedBuckets",
            principals=[iam.AnyPrincipal()],
            actions=["s3:GetObject"],
            resources=[
                f"arn:{stack.partition}:s3:::{name.format(region=stack.region)}/*"
                for name in AWS_OWNED_BUCKETS
            ],
            conditions=_this_account(scope),
        ),
    ]


def dynamodb_gateway_statements(scope: IConstruct) -> list[iam.PolicyStatement]:
    """The DynamoDB gateway endpoint: this account's tables in this region."""
    stack = cdk.Stack.of(scope)
    return [
        iam.PolicyStatement(
            sid="ThisAccountTables",
            principals=[iam.AnyPrincipal()],
            actions=["dynamodb:*"],
            resources=[
                stack.format_arn(service="dynamodb", resource="table", resource_name="*"),
                stack.format_arn(service="dynamodb", resource="table", resource_name="*/*"),
            ],
            conditions=_this_account(scope),
        )
    ]
