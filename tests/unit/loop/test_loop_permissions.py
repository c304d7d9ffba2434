"""LoopStack: what each loop function may do, and nothing more."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    role_permissions,
    stack,
    statement_with_sid,
)

# Resources as flattened by tools of cdk-nag (imports appear as their export name).
PARTITION_REGION_ACCOUNT = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:"


def sandbox_arn(service: str, rest: str) -> str:
    return PARTITION_REGION_ACCOUNT.format(service=service) + rest


COMMON_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "sqs:SendMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}
MESSAGES_KEY_SEND = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
TABLES_KEY = {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
RECORDS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
IDEMPOTENCY = "<TablesIdempotencyTable.Arn>"
STATE = "<TablesStateTable.Arn>"
AUDIT = "<TablesAuditTable.Arn>"
TABLES_KEY_ARN = "<LoopTablesKey.Arn>"
MESSAGES_KEY = "<LoopMessagesKey.Arn>"
ARTIFACTS = "<ModelArtifactsBucket.Arn>"
ARTIFACTS_KEY = "<ArtifactsKey.Arn>"
POLICIES = sandbox_arn("ssm", "parameter/cd4ml/sandbox/projects/*")
PACKAGES = sandbox_arn("sagemaker", "model-package/cd4ml-sandbox-*/*")
TOPICS = sandbox_arn("sns", "cd4ml-sandbox-*-notifications")


_EXPORT = re.compile(r"[\w-]+:ExportsOutputFnGetAtt([A-Za-z]+?)[0-9A-F]{8}Arn[0-9A-F]{8}")


def _without_common(permissions: dict[str, set[str]]) -> dict[str, set[str]]:
    """Domain permissions, with other stacks' resources named ``<ConstructId.Arn>``."""
    trimmed = {}
    for exported, actions in permissions.items():
        resource = _EXPORT.sub(r"<\1.Arn>", exported)
        if resource == MESSAGES_KEY:
            actions = actions - MESSAGES_KEY_SEND
        elif resource.startswith("<") or resource == "*":
            actions = actions - COMMON_ACTIONS
        if actions:
            trimmed[resource] = actions
    return trimmed


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            "RetrainTrigger",
            {
                sandbox_arn("sagemaker", "pipeline/cd4ml-sandbox-*"): {
                    "sagemaker:StartPipelineExecution"
                },
                sandbox_arn("cloudwatch", "alarm:cd4ml-sandbox-*-drift"): {
                    "cloudwatch:DescribeAlarms"
                },
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                STATE: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
            },
        ),
        (
            "QualityGate",
            {
                PACKAGES: {"sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"},
                "*": {"sagemaker:ListModelPackages"},
                f"{ARTIFACTS}/*": {"s3:GetObject"},
                ARTIFACTS_KEY: {"kms:Decrypt"},
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
                TOPICS: {"sns:Publish"},
                MESSAGES_KEY: {"kms:GenerateDataKey"},
            },
        ),
        (
            "DeployTrigger",
            {
                PACKAGES: {"sagemaker:DescribeModelPackage"},
                "*": {"sagemaker:ListModelPackages"},
                sandbox_arn("codepipeline", "cd4ml-sandbox-*-deploy"): {
                    "codepipeline:StartPipelineExecution"
                },
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                STATE: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
                TOPICS: {"sns:Publish"},
                MESSAGES_KEY: {"kms:GenerateDataKey"},
            },
        ),
        (
            "DriftCheck",
            {
                f"{ARTIFACTS}/*": {"s3:GetObject"},
                ARTIFACTS: {"s3:ListBucket"},
                f"{ARTIFACTS}/drift-reports/*": {"s3:PutObject"},
                ARTIFACTS_KEY: {"kms:Decrypt", "kms:GenerateDataKey"},
                PACKAGES: {"sagemaker:DescribeModelPackage"},
                "*": {"cloudwatch:PutMetricData"},
            },
        ),
    ],
)
def test_each_function_may_do_exactly_what_its_code_calls(
    sandbox: SynthesizedEnvironment, function: str, expected: dict[str, set[str]]
) -> None:
    loop = stack(sandbox, "Loop")
    permissions = role_permissions(loop, f"{function}/Role")
    common = {resource: actions & COMMON_ACTIONS for resource, actions in permissions.items()}
    assert common["*"] == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert any(
        actions == {"logs:CreateLogStream", "logs:PutLogEvents"} and "LogGroup" in resource
        for resource, actions in common.items()
    )
    assert any(
        actions == {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
        and "FailureQueue" in resource
        for resource, actions in common.items()
    )
    assert _without_common(permissions) == expected


def test_conditions_narrow_metrics_and_listing(sandbox: SynthesizedEnvironment) -> None:
    loop = stack(sandbox, "Loop")
    metrics = statement_with_sid(loop, "DriftCheck/Role", "PublishDriftMetrics")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "CD4ML/Drift"}}
    listing = statement_with_sid(loop, "DriftCheck/Role", "ListCapture")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["data-capture/*"]}}
