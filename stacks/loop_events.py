"""The EventBridge patterns the loop functions are invoked by."""

from __future__ import annotations

from typing import Any

from cd4ml_constructs.loop import LoopNames

# Approval states each function acts on (SageMaker Model Package State Change).
GATE_APPROVAL_STATUSES = ("PendingManualApproval",)
DEPLOY_APPROVAL_STATUSES = ("Approved", "Rejected")
FINISHED_BUILD_STATUSES = ("Succeeded", "Failed", "Stopped")


def drift_alarm_pattern(names: LoopNames) -> dict[str, Any]:
    """A drift alarm of the environment entering ALARM."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"wildcard": f"{names.prefix}-*-drift"}],
            "state": {"value": ["ALARM"]},
        },
    }


def raw_data_pattern(raw_bucket_name: str) -> dict[str, Any]:
    """A new object in the raw zone bucket."""
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [raw_bucket_name]}},
    }


def build_status_pattern(names: LoopNames) -> dict[str, Any]:
    """A model-build pipeline run of the environment's projects that has ended."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
        "detail": {
            "currentPipelineExecutionStatus": list(FINISHED_BUILD_STATUSES),
            "pipelineArn": [{"wildcard": f"arn:*:sagemaker:*:*:pipeline/{names.prefix}-*-build"}],
        },
    }


def model_package_pattern(names: LoopNames, statuses: tuple[str, ...]) -> dict[str, Any]:
    """A model package of the environment's groups reaching one of ``statuses``."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {
            "ModelPackageGroupName": [{"prefix": f"{names.prefix}-"}],
            "ModelApprovalStatus": list(statuses),
        },
    }
