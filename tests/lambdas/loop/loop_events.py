"""Events and policy documents for the loop handler tests, as AWS and the platform write them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .loop_constants import (
    EVENTS_DIR,
    PREFIX,
    PROJECT,
    TOPIC_ARN,
)


def policy_document(project: str = PROJECT, **overrides: Any) -> dict[str, Any]:
    """A valid schema-1 policy for ``project``; ``overrides`` replace top-level keys."""
    document: dict[str, Any] = {
        "schema_version": 1,
        "project": project,
        "team": "growth",
        "model_package_group": f"{PREFIX}-{project}",
        "metric": {"name": "auc", "direction": "higher"},
        "min_threshold": 0.75,
        "min_improvement": 0.0,
        "approval_mode": "auto",
        "retrain": {"enabled": True, "cooldown_minutes": 360, "raw_prefix": f"{project}/"},
        "model_build_pipeline": f"{PREFIX}-{project}-build",
        "deploy_pipeline": f"{PREFIX}-{project}-deploy",
        "notification_topic_arn": TOPIC_ARN,
        "drift_alarm_name": f"{PREFIX}-{project}-drift",
    }
    document.update(overrides)
    return document


def fresh_time(seconds_ago: float = 60) -> str:
    """An event time ``seconds_ago`` before now, as EventBridge writes it."""
    moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_event(name: str, **top_level: Any) -> dict[str, Any]:
    """A sample event from ``events/``, dated a minute ago; ``top_level`` replaces envelope fields.

    The loop refuses events older than its redrive window, so the samples' own
    dates are replaced by a fresh one.
    """
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    event["time"] = fresh_time()
    event.update(top_level)
    return event


def package_event(status: str, package_arn: str, *, event_id: str | None = None) -> dict[str, Any]:
    """A ``Model Package State Change`` event for ``package_arn`` now in ``status``."""
    event = load_event("model_package_pending_approval", id=event_id or str(uuid.uuid4()))
    version = int(package_arn.rsplit("/", 1)[1])
    event["resources"] = [package_arn]
    event["detail"].update(
        {
            "ModelPackageArn": package_arn,
            "ModelPackageVersion": version,
            "ModelApprovalStatus": status,
        }
    )
    return event


def run_ended_event(
    execution_arn: str, status: str = "Succeeded", *, event_id: str | None = None
) -> dict[str, Any]:
    """A ``Pipeline Execution Status Change`` event: the build run ``execution_arn`` ended."""
    event = load_event("build_pipeline_execution_succeeded", id=event_id or str(uuid.uuid4()))
    pipeline_arn = execution_arn.split("/execution/")[0]
    event["resources"] = [pipeline_arn, execution_arn]
    event["detail"].update(
        {
            "pipelineArn": pipeline_arn,
            "pipelineExecutionArn": execution_arn,
            "currentPipelineExecutionStatus": status,
        }
    )
    return event
