"""The EventBridge events AWS emits for the loop, in the shapes AWS documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# The loop refuses events older than its redrive window: the local loop's events
# are dated when it starts.
SIMULATED_TIME = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    event_id: str,
    *,
    source: str,
    detail_type: str,
    account: str,
    region: str,
    resources: list[str],
    detail: dict[str, Any],
) -> dict[str, Any]:
    """An EventBridge event as delivered to a rule target."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": SIMULATED_TIME,
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def alarm_state_change(
    event_id: str, *, alarm_name: str, state: str, account: str, region: str
) -> dict[str, Any]:
    """``CloudWatch Alarm State Change`` of ``alarm_name`` into ``state``."""
    previous = "OK" if state == "ALARM" else "ALARM"
    return envelope(
        event_id,
        source="aws.cloudwatch",
        detail_type="CloudWatch Alarm State Change",
        account=account,
        region=region,
        resources=[f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm_name}"],
        detail={
            "alarmName": alarm_name,
            "state": {"value": state, "reason": "Threshold Crossed", "timestamp": SIMULATED_TIME},
            "previousState": {"value": previous, "reason": "", "timestamp": SIMULATED_TIME},
            "configuration": {"metrics": []},
        },
    )


def object_created(
    event_id: str, *, bucket: str, key: str, size: int, account: str, region: str
) -> dict[str, Any]:
    """S3 ``Object Created`` (EventBridge notifications of the bucket)."""
    return envelope(
        event_id,
        source="aws.s3",
        detail_type="Object Created",
        account=account,
        region=region,
        resources=[f"arn:aws:s3:::{bucket}"],
        detail={
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "etag": "0" * 32, "sequencer": "00"},
            "request-id": event_id,
            "requester": account,
            "reason": "PutObject",
        },
    )


def model_package_state_change(
    event_id: str, *, package: dict[str, Any], account: str, region: str
) -> dict[str, Any]:
    """``SageMaker Model Package State Change`` for a described model package."""
    detail = {
        key: value
        for key, value in package.items()
        if key
        in {
            "ModelPackageGroupName",
            "ModelPackageVersion",
            "ModelPackageArn",
            "ModelPackageStatus",
            "ModelApprovalStatus",
            "ApprovalDescription",
            "ModelMetrics",
            "MetadataProperties",
            "InferenceSpecification",
        }
    }
    detail["CreationTime"] = SIMULATED_TIME
    detail["LastModifiedTime"] = SIMULATED_TIME
    return envelope(
        event_id,
        source="aws.sagemaker",
        detail_type="SageMaker Model Package State Change",
        account=account,
        region=region,
        resources=[package["ModelPackageArn"]],
        detail=detail,
    )


def pipeline_execution_status_change(
    event_id: str, *, execution_arn: str, status: str, account: str, region: str
) -> dict[str, Any]:
    """``SageMaker Model Building Pipeline Execution Status Change``."""
    pipeline_arn = execution_arn.split("/execution/")[0]
    return envelope(
        event_id,
        source="aws.sagemaker",
        detail_type="SageMaker Model Building Pipeline Execution Status Change",
        account=account,
        region=region,
        resources=[pipeline_arn, execution_arn],
        detail={
            "currentPipelineExecutionStatus": status,
            "previousPipelineExecutionStatus": "Executing",
            "executionStartTime": SIMULATED_TIME,
            "executionEndTime": SIMULATED_TIME,
            "pipelineArn": pipeline_arn,
            "pipelineExecutionArn": execution_arn,
        },
    )
