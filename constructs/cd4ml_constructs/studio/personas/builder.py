"""What the two builder personas (data scientist, ML engineer) share: lake zones and jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.region_table import regional_list
from cd4ml_constructs.studio.personas.actions import SAGEMAKER
from cd4ml_constructs.studio.personas.model_registry import allow_registration
from cd4ml_constructs.studio.personas.resources import PersonaResources, sagemaker_arn
from config.sagemaker_images import SAGEMAKER_IMAGE_ACCOUNTS


@dataclass(frozen=True)
class ZoneGrants:
    """Lake zones a persona reads, and those it also writes."""

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()


def allow_lake(
    role: ManagedPolicyRole,
    zone_buckets: Mapping[str, s3.IBucket],
    zones: ZoneGrants,
) -> None:
    """Read the lake zones of ``zones``, and write those it writes."""
    # Written zones first, then the zones only read; a written zone is also read.
    for zone in dict.fromkeys((*zones.write, *zones.read)):
        role.grant_objects(
            zone_buckets[zone],
            "*",
            write=zone in zones.write,
            reason=f"Every object of the {zone} zone bucket of the data lake.",
        )


def allow_builder_work(role: ManagedPolicyRole, resources: PersonaResources) -> None:
    """Experiments in the artifacts bucket, training and processing jobs, registration."""
    stack = resources.stack
    for prefix in ("experiments", "mlflow"):
        role.grant_objects(
            resources.artifacts_bucket,
            f"{prefix}/*",
            write=True,
            reason=f"Experiment outputs under the {prefix}/ prefix of the artifacts bucket.",
        )
    jobs = [
        sagemaker_arn(stack, "training-job", "*"),
        sagemaker_arn(stack, "processing-job", "*"),
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
        resources=[resources.sagemaker_log_groups_arn],
        reason="Log groups SageMaker jobs and apps write to (/aws/sagemaker/...).",
    )
    role.allow(
        "Jobs",
        actions=[
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
        reason="Describing the VPC for jobs, the ECR token and listing/search: "
        "these actions have no resource-level permissions.",
    )
    image_actions = [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    role.allow(
        "Jobs",
        actions=image_actions,
        resources=[stack.format_arn(service="ecr", resource="repository", resource_name="*")],
        reason="Container images of SageMaker jobs from this account's repositories in "
        "this region.",
    )
    role.allow(
        "Jobs",
        actions=image_actions,
        resources=[
            stack.format_arn(service="ecr", account="*", resource="repository", resource_name="*")
        ],
        conditions={
            "StringEquals": {
                "aws:ResourceAccount": regional_list(
                    role, mapping_id="SageMakerImageAccounts", table=SAGEMAKER_IMAGE_ACCOUNTS
                )
            }
        },
        reason="Container images of SageMaker jobs from the AWS-owned SageMaker image "
        "registries of this region (config/sagemaker_images.py), by condition.",
    )
    allow_registration(role, resources)
    role.allow(
        "ModelRegistry",
        actions=["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
        resources=[resources.approval_parameters_arn],
        reason="Read-only view of the projects' approval policies (/cd4ml/<env>/projects/).",
    )


# What SageMaker does, with the persona's role, for a job in the VPC.
NETWORK_INTERFACE_ACTIONS: tuple[str, ...] = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def allow_job_network(
    role: ManagedPolicyRole, *, stack: cdk.Stack, subnet_ids: Sequence[str], vpc_arn: str
) -> None:
    """Network interfaces of SageMaker jobs, only in the platform's subnets and VPC.

    An interface is created in one of ``subnet_ids`` (named), and every
    interface action is limited by ``ec2:Subnet`` to those subnets; a new
    interface may carry security groups of the platform's VPC only (the job
    guardrails further require the jobs' own group).
    """
    subnet_arns = [
        stack.format_arn(service="ec2", resource="subnet", resource_name=subnet_id)
        for subnet_id in subnet_ids
    ]
    role.allow(
        "Jobs",
        actions=list(NETWORK_INTERFACE_ACTIONS),
        resources=[
            stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        ],
        conditions={"ArnEquals": {"ec2:Subnet": subnet_arns}},
        reason="Network interfaces SageMaker creates and names for jobs, limited by "
        "condition (ec2:Subnet) to the platform's subnets.",
    )
    role.allow("Jobs", actions=["ec2:CreateNetworkInterface"], resources=subnet_arns)
    role.allow(
        "Jobs",
        actions=["ec2:CreateNetworkInterface"],
        resources=[stack.format_arn(service="ec2", resource="security-group", resource_name="*")],
        conditions={"ArnEquals": {"ec2:Vpc": vpc_arn}},
        reason="Security groups a job's network interface carries, limited by condition "
        "(ec2:Vpc) to the platform's VPC.",
    )
