"""The events the retrain trigger reads, as typed requests.

Four kinds of event reach the retrain trigger: the project's drift alarm
entering ALARM, a new object in the project's part of the raw bucket, a
scheduled retrain sent by EventBridge Scheduler, and the end of a build run.
``read_retrain_event`` turns an accepted envelope into a ``RetrainRequest``, a
``BuildRunEnded`` or ``NotActionable``, and raises ``EventRejected`` for
anything that is not the loop's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from loop_common.audit import iso_utc
from loop_common.events import (
    DRIFT_ALARM_STATE_CHANGE,
    PIPELINE_EXECUTION_STATUS_CHANGE,
    RAW_OBJECT_CREATED,
    SCHEDULED_RETRAIN,
    DriftAlarmDetail,
    DropReason,
    EventEnvelope,
    EventRejected,
    NotActionable,
    ObjectCreatedDetail,
    PipelineExecutionStatusDetail,
    ScheduledRetrainDetail,
    own_sagemaker_arn,
    read_detail,
)
from loop_common.naming import ResourceNames, is_project_name, project_from_raw_key

FINISHED_RUN_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
RUNNING_STATUSES = frozenset({"Executing", "Stopping"})


class Trigger(StrEnum):
    """What caused a retrain trigger decision; sent to the pipeline as ``TriggerSource``."""

    DRIFT_ALARM = "drift-alarm"
    RAW_DATA = "raw-data"
    SCHEDULE = "schedule"
    PIPELINE_STATUS = "pipeline-status"


@dataclass(frozen=True)
class RetrainRequest:
    """An event asking for a new build run of a project.

    Attributes:
        event_id: the event id; the idempotency key and the source of the request token.
        occurred_at: the event time.
        project: the project to retrain.
        trigger: the kind of event.
        reason: why a retrain is asked for, in words; sent as ``TriggerReason``.
        evidence: the event fields the request rests on, for the audit trail.
        raw_object_key: for ``raw-data``, the new object's key.
    """

    event_id: str
    occurred_at: datetime
    project: str
    trigger: Trigger
    reason: str
    evidence: Mapping[str, str] = field(default_factory=dict)
    raw_object_key: str | None = None


@dataclass(frozen=True)
class BuildRunEnded:
    """A build run of a project reached a final status.

    Attributes:
        event_id: the event id.
        occurred_at: the event time.
        project: the project whose pipeline ran.
        pipeline_execution_arn: the run that ended.
        status: ``Succeeded``, ``Failed`` or ``Stopped``.
    """

    event_id: str
    occurred_at: datetime
    project: str
    pipeline_execution_arn: str
    status: str


def read_retrain_event(
    envelope: EventEnvelope, *, names: ResourceNames, raw_bucket: str
) -> RetrainRequest | BuildRunEnded | NotActionable:
    """Classify an accepted event; raise ``EventRejected`` for anything not ours."""
    kind = envelope.kind
    if kind == DRIFT_ALARM_STATE_CHANGE:
        return _read_drift_alarm(envelope, names)
    if kind == RAW_OBJECT_CREATED:
        return _read_raw_object(envelope, raw_bucket)
    if kind == SCHEDULED_RETRAIN:
        return _read_schedule(envelope)
    if kind == PIPELINE_EXECUTION_STATUS_CHANGE:
        return _read_run_status(envelope, names)
    raise EventRejected(DropReason.UNSUPPORTED_EVENT, f"{envelope.source} / {envelope.detail_type}")


def _read_drift_alarm(
    envelope: EventEnvelope, names: ResourceNames
) -> RetrainRequest | NotActionable:
    detail = read_detail(envelope, DriftAlarmDetail)
    project = names.project_from_drift_alarm(detail.alarm_name)
    if project is None:
        raise EventRejected(
            DropReason.UNKNOWN_PROJECT, f"alarm {detail.alarm_name!r} is no project's drift alarm"
        )
    if detail.state.value != "ALARM":
        return NotActionable(
            "AlarmNotInAlarm", f"drift alarm {detail.alarm_name} is now {detail.state.value}"
        )
    return RetrainRequest(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        project=project,
        trigger=Trigger.DRIFT_ALARM,
        reason=" ".join(
            part
            for part in (f"drift alarm {detail.alarm_name} entered ALARM:", detail.state.reason)
            if part
        ).rstrip(":"),
        evidence={"alarm_name": detail.alarm_name, "alarm_reason": detail.state.reason},
    )


def _read_raw_object(envelope: EventEnvelope, raw_bucket: str) -> RetrainRequest | NotActionable:
    detail = read_detail(envelope, ObjectCreatedDetail)
    bucket, key = detail.bucket.name, detail.object_ref.key
    if bucket != raw_bucket:
        raise EventRejected(DropReason.FOREIGN_RESOURCE, f"bucket {bucket!r} is not the raw bucket")
    project = project_from_raw_key(key)
    if project is None:
        raise EventRejected(
            DropReason.UNKNOWN_PROJECT, f"object {key!r} is not under a project prefix"
        )
    if key.endswith("/"):
        return NotActionable("FolderMarker", f"s3://{bucket}/{key} is a folder marker, not data")
    return RetrainRequest(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        project=project,
        trigger=Trigger.RAW_DATA,
        reason=f"new raw data s3://{bucket}/{key}",
        evidence={"bucket": bucket, "key": key},
        raw_object_key=key,
    )


def _read_schedule(envelope: EventEnvelope) -> RetrainRequest:
    detail = read_detail(envelope, ScheduledRetrainDetail)
    if not is_project_name(detail.project):
        raise EventRejected(DropReason.UNKNOWN_PROJECT, f"{detail.project!r} is no project name")
    return RetrainRequest(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        project=detail.project,
        trigger=Trigger.SCHEDULE,
        reason=f"scheduled retrain at {iso_utc(envelope.occurred_at)}",
        evidence={"scheduled_time": envelope.time},
    )


def _read_run_status(
    envelope: EventEnvelope, names: ResourceNames
) -> BuildRunEnded | NotActionable:
    detail = read_detail(envelope, PipelineExecutionStatusDetail)
    arn = own_sagemaker_arn(detail.pipeline_arn, envelope, "pipeline")
    kind, _, pipeline_name = arn.resource.partition("/")
    if kind != "pipeline" or not pipeline_name or "/" in pipeline_name:
        raise EventRejected(
            DropReason.MALFORMED_DETAIL, f"not a pipeline ARN: {detail.pipeline_arn!r}"
        )
    project = names.project_from_build_pipeline(pipeline_name)
    if project is None:
        raise EventRejected(
            DropReason.UNKNOWN_PROJECT, f"pipeline {pipeline_name!r} is no project's build pipeline"
        )
    run_prefix = f"{detail.pipeline_arn}/execution/"
    run_id = detail.pipeline_execution_arn.removeprefix(run_prefix)
    if run_id == detail.pipeline_execution_arn or not run_id or "/" in run_id:
        raise EventRejected(
            DropReason.MALFORMED_DETAIL,
            f"{detail.pipeline_execution_arn!r} is not a run of {detail.pipeline_arn!r}",
        )
    if detail.current_status in RUNNING_STATUSES:
        return NotActionable("BuildRunNotFinished", f"build run is {detail.current_status}")
    if detail.current_status not in FINISHED_RUN_STATUSES:
        raise EventRejected(
            DropReason.MALFORMED_DETAIL, f"unknown pipeline status {detail.current_status!r}"
        )
    return BuildRunEnded(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        project=project,
        pipeline_execution_arn=detail.pipeline_execution_arn,
        status=detail.current_status,
    )
