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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from loop_common.audit import AuditRecord, AuditTrail, AuditValue, iso_utc
from loop_common.aws_errors import is_definite_refusal, watched_attempts
from loop_common.naming import request_token
from loop_common.outcome import Decision, Outcome
from loop_common.policy import ProjectPolicy
from loop_common.state_store import StateStore
from retrain_trigger.pending import remember_if_drift
from retrain_trigger.requests import (
    BuildRunEnded,
    RetrainRequest,
    Trigger,
    read_retrain_event,
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = [
    "BuildRunEnded",
    "RetrainRequest",
    "Trigger",
    "end_build_run",
    "read_retrain_event",
    "start_build_run",
]

FUNCTION_NAME = "retrain-trigger"
DEFAULT_LEASE_SECONDS = 6 * 60 * 60


UNKNOWN_EXECUTION = "unknown: the start request's outcome was not received"

# Limits of SageMaker's StartPipelineExecution fields.
_PARAMETER_VALUE_LIMIT = 1024
_DESCRIPTION_LIMIT = 3072


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
            {
                "blocking_execution_arn": cooldown.pipeline_execution_arn,
                **remember_if_drift(request, state, now),
            },
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
            {
                **{key: value for key, value in blocking.items() if value},
                **remember_if_drift(request, state, now),
            },
        )
    lapsed = (
        {"lapsed_lease_event_id": attempt.lapsed.holder_event_id}
        if attempt.lapsed is not None
        else {}
    )

    pipeline = policy.model_build_pipeline
    token = request_token("retrain", request.event_id)
    with watched_attempts(sagemaker) as attempts:
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
        except Exception as error:
            if is_definite_refusal(error, attempts):
                _give_back_lease(state, project, request.event_id)
            elif policy.retrain.cooldown_minutes > 0:
                # The run may have started: the lease stays, and the cooldown holds too, so
                # no other event starts a second run before the retry finds this one.
                state.start_cooldown(
                    project,
                    until=now + timedelta(minutes=policy.retrain.cooldown_minutes),
                    event_id=request.event_id,
                    pipeline_execution_arn=UNKNOWN_EXECUTION,
                )
            raise
    execution_arn = str(response["PipelineExecutionArn"])

    state.attach_execution_to_lease(
        project, holder_event_id=request.event_id, pipeline_execution_arn=execution_arn
    )
    if state.run_ended(project, pipeline_execution_arn=execution_arn):
        # The run ended before its lease named it: its end event found no lease.
        state.release_lease_of_execution(project, pipeline_execution_arn=execution_arn)
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
        {"pipeline": pipeline, "pipeline_execution_arn": execution_arn, **lapsed},
    )


def _give_back_lease(state: StateStore, project: str, holder_event_id: str) -> None:
    # If this fails too, the original error still propagates: the retry of the same
    # event takes its own lease again, and an abandoned lease lapses after LEASE_SECONDS.
    with contextlib.suppress(ClientError):
        state.release_build_lease(project, holder_event_id=holder_event_id)


def end_build_run(
    ended: BuildRunEnded,
    *,
    state: StateStore,
    audit: AuditTrail,
    now: datetime,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
) -> Outcome:
    """Release the build lease held for the run that ended, if the retrain trigger started it.

    A run that ends before its lease names it is noted, so that the start that
    names it releases the lease at once.
    """
    released = state.release_lease_of_execution(
        ended.project, pipeline_execution_arn=ended.pipeline_execution_arn
    )
    if not released:
        state.note_ended_run(
            ended.project,
            pipeline_execution_arn=ended.pipeline_execution_arn,
            until=now + timedelta(seconds=lease_seconds),
        )
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
