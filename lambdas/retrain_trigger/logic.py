"""Decide whether an event starts a project's model-build pipeline, and record why.

Four kinds of event reach the retrain trigger: the project's drift alarm
entering ALARM, a new object in the project's part of the raw bucket, a
scheduled retrain sent by EventBridge Scheduler, and the end of a build run
(which releases the project's build lease). A retrain starts only when the
policy enables it, the cooldown since the last start has passed and no other
run holds the project's build lease.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from loop_common.audit import AuditRecord, AuditTrail, AuditValue, iso_utc
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
    read_detail,
)
from loop_common.naming import (
    ResourceNames,
    is_project_name,
    parse_arn,
    project_from_raw_key,
    request_token,
)
from loop_common.outcome import Decision, Outcome
from loop_common.policy import ProjectPolicy
from loop_common.state_store import StateStore

FUNCTION_NAME = "retrain-trigger"
DEFAULT_LEASE_SECONDS = 6 * 60 * 60

FINISHED_RUN_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
RUNNING_STATUSES = frozenset({"Executing", "Stopping"})

# Limits of SageMaker's StartPipelineExecution fields.
_PARAMETER_VALUE_LIMIT = 1024
_DESCRIPTION_LIMIT = 3072


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
    arn = parse_arn(detail.pipeline_arn)
    if arn is None or arn.service != "sagemaker":
        raise EventRejected(
            DropReason.MALFORMED_DETAIL, f"not a SageMaker ARN: {detail.pipeline_arn!r}"
        )
    if arn.account != envelope.account:
        raise EventRejected(
            DropReason.FOREIGN_RESOURCE, f"pipeline in account {arn.account or '(none)'}"
        )
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


def start_build_run(
    request: RetrainRequest,
    *,
    policy: ProjectPolicy,
    sagemaker: BaseClient,
    state: StateStore,
    audit: AuditTrail,
    lease_seconds: int,
    now: datetime,
) -> Outcome:
    """Start the project's build pipeline for ``request`` unless the policy or state forbid it.

    Every decision except "not a retrain reason" is written to the audit trail,
    after the action it records. If starting the pipeline fails, the lease
    taken for it is given back before the error propagates.
    """
    project = request.project
    if request.raw_object_key is not None and not request.raw_object_key.startswith(
        policy.retrain.raw_prefix
    ):
        return Outcome(
            Decision.IGNORED,
            f"{request.raw_object_key} is outside the policy's raw prefix "
            f"{policy.retrain.raw_prefix}",
            project=project,
        )

    inputs: dict[str, AuditValue] = {
        "trigger_reason": request.reason,
        **request.evidence,
        "retrain_enabled": policy.retrain.enabled,
        "cooldown_minutes": policy.retrain.cooldown_minutes,
    }

    def decided(
        decision: Decision, reason: str, result: Mapping[str, str] | None = None
    ) -> Outcome:
        audit.record(
            AuditRecord(
                project=project,
                event_id=request.event_id,
                occurred_at=request.occurred_at,
                function=FUNCTION_NAME,
                trigger=request.trigger.value,
                decision=decision.value,
                reason=reason,
                inputs=inputs,
                result=dict(result or {}),
            ),
            recorded_at=now,
        )
        return Outcome(decision, reason, project=project, details=dict(result or {}))

    if not policy.retrain.enabled:
        return decided(Decision.SKIPPED_DISABLED, "automatic retraining is disabled in the policy")

    cooldown = state.cooldown(project, now=now)
    # A cooldown started by this very event is a retried invocation finishing its work.
    if cooldown is not None and cooldown.event_id != request.event_id:
        return decided(
            Decision.SKIPPED_COOLDOWN,
            f"the previous build run started less than {policy.retrain.cooldown_minutes} minutes "
            f"ago; the next may start after {iso_utc(cooldown.until)}",
            {"blocking_execution_arn": cooldown.pipeline_execution_arn},
        )

    attempt = state.acquire_build_lease(
        project, holder_event_id=request.event_id, now=now, lease_seconds=lease_seconds
    )
    if not attempt.acquired:
        holder = attempt.current
        blocking = (
            {}
            if holder is None
            else {
                "blocking_event_id": holder.holder_event_id,
                "blocking_execution_arn": holder.pipeline_execution_arn or "",
                "lease_expires_at": iso_utc(holder.expires_at),
            }
        )
        return decided(
            Decision.SKIPPED_LEASE_HELD,
            "another build run of the project is in flight",
            {key: value for key, value in blocking.items() if value},
        )

    pipeline = policy.model_build_pipeline
    token = request_token("retrain", request.event_id)
    try:
        response = sagemaker.start_pipeline_execution(
            PipelineName=pipeline,
            PipelineExecutionDisplayName=f"{request.trigger.value}-{token[:12]}",
            PipelineExecutionDescription=request.reason[:_DESCRIPTION_LIMIT],
            PipelineParameters=[
                {"Name": "TriggerReason", "Value": request.reason[:_PARAMETER_VALUE_LIMIT]},
                {"Name": "TriggerSource", "Value": request.trigger.value},
                {"Name": "TriggerEventId", "Value": request.event_id},
            ],
            ClientRequestToken=token,
        )
    except Exception:
        _give_back_lease(state, project, request.event_id)
        raise
    execution_arn = str(response["PipelineExecutionArn"])

    state.attach_execution_to_lease(
        project, holder_event_id=request.event_id, pipeline_execution_arn=execution_arn
    )
    if policy.retrain.cooldown_minutes > 0:
        state.start_cooldown(
            project,
            until=now + timedelta(minutes=policy.retrain.cooldown_minutes),
            event_id=request.event_id,
            pipeline_execution_arn=execution_arn,
        )
    return decided(
        Decision.RETRAIN_STARTED,
        request.reason,
        {"pipeline": pipeline, "pipeline_execution_arn": execution_arn},
    )


def _give_back_lease(state: StateStore, project: str, holder_event_id: str) -> None:
    # If this fails too, the original error still propagates: the retry of the same
    # event takes its own lease again, and an abandoned lease lapses after LEASE_SECONDS.
    with contextlib.suppress(ClientError):
        state.release_build_lease(project, holder_event_id=holder_event_id)


def end_build_run(
    ended: BuildRunEnded, *, state: StateStore, audit: AuditTrail, now: datetime
) -> Outcome:
    """Release the build lease held for the run that ended, if the retrain trigger started it."""
    released = state.release_lease_of_execution(
        ended.project, pipeline_execution_arn=ended.pipeline_execution_arn
    )
    if not released:
        return Outcome(
            Decision.IGNORED,
            "no build lease covers this run (started elsewhere, or already released)",
            project=ended.project,
        )
    reason = f"build run ended with status {ended.status}; the project's build lease is free"
    result = {"pipeline_execution_arn": ended.pipeline_execution_arn, "status": ended.status}
    audit.record(
        AuditRecord(
            project=ended.project,
            event_id=ended.event_id,
            occurred_at=ended.occurred_at,
            function=FUNCTION_NAME,
            trigger=Trigger.PIPELINE_STATUS.value,
            decision=Decision.LEASE_RELEASED.value,
            reason=reason,
            inputs={"pipeline_execution_arn": ended.pipeline_execution_arn, "status": ended.status},
            result=result,
        ),
        recorded_at=now,
    )
    return Outcome(Decision.LEASE_RELEASED, reason, project=ended.project, details=result)
