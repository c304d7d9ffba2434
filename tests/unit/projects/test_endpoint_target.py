"""One endpoint stage: its execution role, and names that SageMaker and IAM would refuse."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget
from tests.unit.projects import template_reading as reading
from tests.unit.projects.deploy_pipeline_app import BUCKET, KEY_ARN, VPC_ID, DeployPipelineApp

ACCOUNT = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>"


def test_the_endpoint_role_reads_the_build_writes_its_capture_and_nothing_more(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    role = deployed.local.production.endpoint_role
    statements = reading.by_actions(reading.statements(local, role))
    assert set(statements) == {
        ("s3:GetBucket*", "s3:GetObject*", "s3:List*"),
        ("kms:Decrypt", "kms:DescribeKey"),
        (
            "s3:Abort*",
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
        ),
        ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
        ("ecr:GetAuthorizationToken",),
        ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
        (
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ),
        (
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
        ),
        (
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
        ),
        ("ec2:CreateNetworkInterface",),
        ("ec2:DeleteNetworkInterfacePermission",),
    }
    interfaces = statements[
        (
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
        )
    ]
    assert reading.resources(interfaces) == [f"{ACCOUNT.format(service='ec2')}:network-interface/*"]
    vpc = f"{ACCOUNT.format(service='ec2')}:vpc/{VPC_ID}"
    conditions = interfaces["Condition"]
    assert set(conditions) == {"ArnLike", "ArnEquals"}
    assert reading.render(conditions["ArnEquals"]["ec2:Vpc"]) == vpc
    subnets = conditions["ArnLike"]["ec2:Subnet"]
    delimiter, (prefix, ids) = subnets["Fn::Split"][1]["Fn::Join"]
    assert (delimiter, prefix) == ("", "arn:*:ec2:*:*:subnet/")
    assert ids["Fn::Join"][0] == ",arn:*:ec2:*:*:subnet/"
    (subnet_parameter,) = [
        k for k, v in local["Parameters"].items() if v["Default"].endswith("network/subnet-ids")
    ]
    assert ids["Fn::Join"][1] == {"Ref": subnet_parameter}
    created = statements[("ec2:CreateNetworkInterface",)]
    assert reading.render(created["Condition"]["ArnEquals"]["ec2:Vpc"]) == vpc
    assert statements[("ec2:DeleteNetworkInterfacePermission",)]["Resource"] == "*"
    bucket = f"arn:<AWS::Partition>:s3:::{BUCKET}"
    read = statements[("s3:GetBucket*", "s3:GetObject*", "s3:List*")]
    assert reading.resources(read) == [bucket, f"{bucket}/projects/churn/build/*"]
    write = statements[
        (
            "s3:Abort*",
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
        )
    ]
    assert reading.resources(write) == [f"{bucket}/data-capture/cd4ml-sandbox-churn-prod/*"]
    assert statements[("kms:Decrypt", "kms:DescribeKey")]["Resource"] == KEY_ARN
    logs = statements[
        (
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        )
    ]
    group = f"{ACCOUNT.format(service='logs')}:log-group:/aws/sagemaker/Endpoints/cd4ml-sandbox-churn-prod"
    assert reading.resources(logs) == [group, f"{group}:*"]


def _target(
    stack: cdk.Stack, names: LoopNames, project: str, account: str | None
) -> EndpointTarget:
    key = kms.Key.from_key_arn(stack, f"Key{project}", KEY_ARN)
    return EndpointTarget(
        stack,
        f"Target{project}",
        names=names,
        project=project,
        stage="staging",
        account=account,
        artifact_bucket=s3.Bucket.from_bucket_attributes(
            stack, f"Bucket{project}", bucket_name=BUCKET, encryption_key=key
        ),
        artifacts_key=key,
        model_package_group_name=names.model_package_group(project),
        pipeline_name=names.deploy_pipeline(project),
        subnet_ids=["subnet-0a1b2c3d4e5f60001"],
        vpc_id="vpc-0a1b2c3d4e5f60001",
    )


def test_an_endpoint_name_sagemaker_would_refuse_stops_synth() -> None:
    stack = cdk.Stack(cdk.App(), "Names")
    names = LoopNames("a-very-long-environment1")
    with pytest.raises(
        ValueError,
        match=r"cd4ml-a-very-long-environment1-churn-prediction-of-customers-staging has 68 characters; SageMaker allows 63",
    ):
        _target(stack, names, "churn-prediction-of-customers", None)
    assert (
        _target(stack, names, "churn", None).endpoint_name
        == "cd4ml-a-very-long-environment1-churn-staging"
    )


def test_a_contract_role_name_iam_would_refuse_stops_synth() -> None:
    stack = cdk.Stack(
        cdk.App(), "Roles", env=cdk.Environment(account="111111111111", region="us-east-1")
    )
    names = LoopNames("a-long-environment")
    with pytest.raises(
        ValueError,
        match=r"role name cd4ml-a-long-environment-churn-prediction-customer-staging-deploy has 65 characters; IAM allows 64",
    ):
        _target(stack, names, "churn-prediction-customer", "222222222222")
    assert _target(stack, names, "churn", "222222222222").cross_account is True
