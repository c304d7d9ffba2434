"""The audited redrive path: an operator hands a loop function an event again, on purpose.

An event older than the redrive window is refused (``StaleEvent``). To act on
it anyway, an operator invokes the function with a ``Redrive Requested`` event
that carries the original event, who asks and why::

    {"source": "cd4ml.operator", "detail-type": "Redrive Requested",
     "id": "<new id>", "time": "<now>", "account": "<account>",
     "detail": {"event": {<the original event>}, "requested_by": "<name>",
                "reason": "<why>"}}

The request itself must be fresh and from the function's account; the event it
carries must pass every other check (account, region, fields). The redrive is
written to the audit trail (decision ``redrive-accepted``) before the carried
event is decided, once per carried event id like any other event; the newest
approved rule of the deploy trigger still holds for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field

from loop_common.audit import AuditRecord, AuditTrail
from loop_common.events import (
    DropReason,
    EventEnvelope,
    EventRejected,
    _EventModel,
    accept_envelope,
    read_detail,
)
from loop_common.outcome import Decision

REDRIVE_REQUESTED = ("cd4ml.operator", "Redrive Requested")
REDRIVE_TRIGGER = "redrive"


class RedriveDetail(_EventModel):
    """``detail`` of a ``Redrive Requested`` event."""

    event: dict[str, Any]
    requested_by: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=1024)


@dataclass(frozen=True)
class Redrive:
    """A checked redrive request and the event it carries.

    Attributes:
        request: the envelope of the request.
        detail: who asks and why.
        event: the carried event, as sent.
        envelope: the carried event's checked envelope.
    """

    request: EventEnvelope
    detail: RedriveDetail
    event: dict[str, Any]
    envelope: EventEnvelope


def read_redrive(envelope: EventEnvelope, own_account: str, own_region: str | None) -> Redrive:
    """Check a redrive request and the event it carries (all but the carried event's age)."""
    detail = read_detail(envelope, RedriveDetail)
    if detail.event.get("source") == REDRIVE_REQUESTED[0]:
        raise EventRejected(DropReason.MALFORMED_DETAIL, "a redrive cannot carry a redrive")
    carried = accept_envelope(detail.event, own_account, own_region)
    return Redrive(request=envelope, detail=detail, event=detail.event, envelope=carried)


def record_redrive(
    redrive: Redrive, *, project: str, function: str, audit: AuditTrail, now: datetime
) -> None:
    """Write the redrive to the audit trail, under the request's own event id."""
    audit.record(
        AuditRecord(
            project=project,
            event_id=redrive.request.id,
            occurred_at=redrive.request.occurred_at,
            function=function,
            trigger=REDRIVE_TRIGGER,
            decision=Decision.REDRIVE_ACCEPTED.value,
            reason=f"redrive of event {redrive.envelope.id} requested by "
            f"{redrive.detail.requested_by}: {redrive.detail.reason}",
            inputs={
                "redriven_event_id": redrive.envelope.id,
                "redriven_event_time": redrive.envelope.time,
                "redriven_event_kind": " / ".join(redrive.envelope.kind),
                "requested_by": redrive.detail.requested_by,
            },
        ),
        recorded_at=now,
    )
