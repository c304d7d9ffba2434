"""What a loop function did with one event: the value each handler returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    """Every decision a loop function can take; also the ``decision`` of an audit record."""

    RETRAIN_STARTED = "retrain-started"
    SKIPPED_DISABLED = "skipped-disabled"
    SKIPPED_COOLDOWN = "skipped-cooldown"
    SKIPPED_LEASE_HELD = "skipped-lease-held"
    LEASE_RELEASED = "lease-released"
    RETRAIN_PENDING = "retrain-pending"
    PENDING_RETRAIN_DROPPED = "pending-retrain-dropped"
    APPROVED = "approved"
    HELD = "held"
    REJECTED = "rejected"
    SKIPPED_STATUS_CHANGED = "skipped-status-changed"
    SKIPPED_HUMAN_DECIDED = "skipped-human-decided"
    SKIPPED_SUPERSEDED = "skipped-superseded"
    SKIPPED_ALREADY_DEPLOYED = "skipped-already-deployed"
    DEPLOY_STARTED = "deploy-started"
    ROLLBACK_STARTED = "rollback-started"
    ROLLBACK_IMPOSSIBLE = "rollback-impossible"
    IGNORED = "ignored"
    DROPPED = "dropped"
    DUPLICATE_IN_PROGRESS = "duplicate-in-progress"
    REDRIVE_ACCEPTED = "redrive-accepted"


@dataclass(frozen=True)
class Outcome:
    """The decision taken for one event and why.

    Attributes:
        decision: what was decided.
        reason: why, in plain words.
        project: the project concerned, when known.
        details: identifiers worth returning (execution ARN, package ARN, ...).
    """

    decision: Decision
    reason: str
    project: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    def as_response(self) -> dict[str, Any]:
        """The JSON-serialisable form returned by the handler and kept by idempotency."""
        return {
            "decision": self.decision.value,
            "reason": self.reason,
            "project": self.project,
            "details": dict(self.details),
        }
