"""A drift alarm that arrives while the project is blocked is remembered, not lost.

The alarm fires once when it enters ALARM and stays there; if the retrain it
asks for is blocked (a run in flight, or the cooldown), nothing would ask
again. The retrain trigger therefore keeps the latest blocked drift alarm as
the project's pending retrain. When a build run ends and frees the lease, and
no cooldown holds, it reads the alarm: still in ALARM, the retrain starts (as
``drift-alarm``, with a request of its own); back to OK, the pending retrain is
dropped. Either way the audit trail says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from loop_common.outcome import Outcome
from loop_common.state_store import PendingRetrain, StateStore
from retrain_trigger.requests import RetrainRequest, Trigger

if TYPE_CHECKING:
    from botocore.client import BaseClient

PENDING_RETRAIN_DAYS = 7
RESUMED_SUFFIX = ".resumed"


def remember_if_drift(request: RetrainRequest, state: StateStore, now: datetime) -> dict[str, str]:
    """Keep a blocked drift alarm as the pending retrain; the audit result says so."""
    if request.trigger is not Trigger.DRIFT_ALARM:
        return {}
    state.remember_pending_retrain(
        request.project,
        PendingRetrain(
            event_id=request.event_id,
            alarm_name=request.evidence.get("alarm_name", ""),
            reason=request.reason,
            until=now + timedelta(days=PENDING_RETRAIN_DAYS),
        ),
    )
    return {"pending_retrain": "remembered; acted on when the project is free"}


def alarm_state(cloudwatch: BaseClient, alarm_name: str) -> str:
    """The alarm's state now (``ALARM``, ``OK``, ``INSUFFICIENT_DATA``), or ``MISSING``."""
    alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_name]).get("MetricAlarms", [])
    return str(alarms[0]["StateValue"]) if alarms else "MISSING"


def resumed_request(pending: PendingRetrain, project: str, now: datetime) -> RetrainRequest:
    """The retrain request a pending drift alarm becomes once the project is free."""
    return RetrainRequest(
        event_id=pending.event_id[: 128 - len(RESUMED_SUFFIX)] + RESUMED_SUFFIX,
        occurred_at=now,
        project=project,
        trigger=Trigger.DRIFT_ALARM,
        reason=f"{pending.reason} (remembered while the project was blocked; still in ALARM)",
        evidence={"alarm_name": pending.alarm_name, "blocked_event_id": pending.event_id},
    )


def resume_pending_retrain(
    project: str,
    *,
    state: StateStore,
    cloudwatch: BaseClient,
    now: datetime,
    start: Callable[[RetrainRequest], Outcome],
) -> str | None:
    """Act on the project's pending retrain if the project is free; say what was done."""
    pending = state.pending_retrain(project, now=now)
    if pending is None:
        return None
    if state.cooldown(project, now=now) is not None or state.build_lease(project, now=now):
        return "pending retrain kept: the project is still blocked"
    current = alarm_state(cloudwatch, pending.alarm_name)
    if current != "ALARM":
        state.forget_pending_retrain(project, event_id=pending.event_id)
        return f"pending retrain dropped: drift alarm {pending.alarm_name} is {current} now"
    outcome = start(resumed_request(pending, project, now))
    state.forget_pending_retrain(project, event_id=pending.event_id)
    return f"pending retrain: {outcome.decision.value}"
