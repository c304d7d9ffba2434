"""The retrain trigger's items in ``STATE_TABLE``: build lease, cooldown, pending retrain.

The build lease is the right to have one model-build run in flight; it lapses
by itself after ``LEASE_SECONDS`` if no end-of-run event releases it, and the
event that replaces a lapsed lease says so (``LeaseAttempt.lapsed``). The
cooldown forbids starts until its end. A drift alarm that arrives while the
project is blocked is remembered as the pending retrain, acted on when the
lease is given back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from loop_common.audit import iso_utc
from loop_common.deploy_state import DeployedVersion, DeployState
from loop_common.state_table import StateTable, epoch, from_epoch

BUILD_LEASE = "build-lease"
BUILD_COOLDOWN = "build-cooldown"
PENDING_RETRAIN = "pending-retrain"
ENDED_RUN = "ended-run"

__all__ = ["BuildLease", "Cooldown", "DeployState", "DeployedVersion", "LeaseAttempt", "StateStore"]


@dataclass(frozen=True)
class BuildLease:
    """The right to have one model-build run in flight for a project.

    Attributes:
        holder_event_id: the event whose retrain took the lease.
        acquired_at: when it was taken.
        expires_at: when it lapses by itself if no completion event releases it.
        pipeline_execution_arn: the run it covers, once started.
    """

    holder_event_id: str
    acquired_at: datetime
    expires_at: datetime
    pipeline_execution_arn: str | None


@dataclass(frozen=True)
class LeaseAttempt:
    """The result of trying to take the build lease.

    Attributes:
        acquired: True when the caller now holds the lease.
        current: the lease that blocked the caller, when it was not acquired
            and the lease could be read.
        lapsed: the expired lease of another event that the caller replaced (a
            run that never reported its end), when there was one.
    """

    acquired: bool
    current: BuildLease | None = None
    lapsed: BuildLease | None = None


@dataclass(frozen=True)
class Cooldown:
    """No build run may start for the project before ``until``.

    Attributes:
        until: end of the cooldown.
        event_id: the event whose retrain started it.
        pipeline_execution_arn: the run that started it.
    """

    until: datetime
    event_id: str
    pipeline_execution_arn: str


@dataclass(frozen=True)
class PendingRetrain:
    """A drift alarm that asked for a retrain while the project was blocked.

    Attributes:
        event_id: the alarm event.
        alarm_name: the project's drift alarm.
        reason: why it asked, in words.
        until: it is forgotten after this.
    """

    event_id: str
    alarm_name: str
    reason: str
    until: datetime


def _lease_from(item: dict[str, Any]) -> BuildLease:
    return BuildLease(
        holder_event_id=item["holder_event_id"]["S"],
        acquired_at=datetime.fromisoformat(item["acquired_at"]["S"]),
        expires_at=from_epoch(item["expires_at"]["N"]),
        pipeline_execution_arn=item.get("pipeline_execution_arn", {}).get("S"),
    )


class StateStore(StateTable):
    """Reads and writes the retrain trigger's state items."""

    # Build lease ---------------------------------------------------------------------------

    def acquire_build_lease(
        self, project: str, *, holder_event_id: str, now: datetime, lease_seconds: int
    ) -> LeaseAttempt:
        """Take the project's build lease unless another event holds an unexpired one.

        The holder may take it again: a retried invocation of the same event
        finds its own lease and carries on.
        """
        item = {
            **self._key(project, BUILD_LEASE),
            "holder_event_id": {"S": holder_event_id},
            "acquired_at": {"S": iso_utc(now)},
            "expires_at": {"N": str(epoch(now + timedelta(seconds=lease_seconds)))},
        }
        old = self._claim(item, holder_event_id=holder_event_id, now=now)
        if old is None:
            return LeaseAttempt(acquired=False, current=self.build_lease(project, now=now))
        lapsed = None
        if old and old["holder_event_id"]["S"] != holder_event_id:
            lapsed = _lease_from(old)
        return LeaseAttempt(acquired=True, lapsed=lapsed)

    def build_lease(self, project: str, *, now: datetime) -> BuildLease | None:
        """The project's unexpired build lease, if any."""
        item = self._get(project, BUILD_LEASE)
        if item is None:
            return None
        lease = _lease_from(item)
        return lease if lease.expires_at > now else None

    def attach_execution_to_lease(
        self, project: str, *, holder_event_id: str, pipeline_execution_arn: str
    ) -> None:
        """Note on the lease which pipeline run it covers, so that run's end releases it."""
        self._dynamodb.update_item(
            TableName=self._table_name,
            Key=self._key(project, BUILD_LEASE),
            UpdateExpression="SET pipeline_execution_arn = :arn",
            ConditionExpression="holder_event_id = :holder",
            ExpressionAttributeValues={
                ":arn": {"S": pipeline_execution_arn},
                ":holder": {"S": holder_event_id},
            },
        )

    def release_build_lease(self, project: str, *, holder_event_id: str) -> bool:
        """Give the lease back if ``holder_event_id`` still holds it; True when released."""
        return self._delete_if(project, BUILD_LEASE, "holder_event_id = :value", holder_event_id)

    def release_lease_of_execution(self, project: str, *, pipeline_execution_arn: str) -> bool:
        """Release the lease covering ``pipeline_execution_arn``; True when one was released."""
        return self._delete_if(
            project, BUILD_LEASE, "pipeline_execution_arn = :value", pipeline_execution_arn
        )

    # Cooldown -------------------------------------------------------------------------------

    def cooldown(self, project: str, *, now: datetime) -> Cooldown | None:
        """The project's cooldown if it has not ended by ``now``."""
        item = self._get(project, BUILD_COOLDOWN)
        if item is None:
            return None
        cooldown = Cooldown(
            until=from_epoch(item["expires_at"]["N"]),
            event_id=item["event_id"]["S"],
            pipeline_execution_arn=item["pipeline_execution_arn"]["S"],
        )
        return cooldown if cooldown.until > now else None

    def start_cooldown(
        self, project: str, *, until: datetime, event_id: str, pipeline_execution_arn: str
    ) -> None:
        """Forbid build runs for ``project`` until ``until``."""
        self._dynamodb.put_item(
            TableName=self._table_name,
            Item={
                **self._key(project, BUILD_COOLDOWN),
                "expires_at": {"N": str(epoch(until))},
                "event_id": {"S": event_id},
                "pipeline_execution_arn": {"S": pipeline_execution_arn},
            },
        )

    # Pending retrain ------------------------------------------------------------------------

    def remember_pending_retrain(self, project: str, pending: PendingRetrain) -> None:
        """Keep ``pending`` (the latest blocked drift alarm replaces an earlier one)."""
        self._put_if(
            {
                **self._key(project, PENDING_RETRAIN),
                "event_id": {"S": pending.event_id},
                "alarm_name": {"S": pending.alarm_name},
                "reason": {"S": pending.reason},
                "expires_at": {"N": str(epoch(pending.until))},
            }
        )

    def pending_retrain(self, project: str, *, now: datetime) -> PendingRetrain | None:
        """The project's pending retrain, unless it has lapsed."""
        item = self._get(project, PENDING_RETRAIN)
        if item is None:
            return None
        pending = PendingRetrain(
            event_id=item["event_id"]["S"],
            alarm_name=item["alarm_name"]["S"],
            reason=item["reason"]["S"],
            until=from_epoch(item["expires_at"]["N"]),
        )
        return pending if pending.until > now else None

    def forget_pending_retrain(self, project: str, *, event_id: str) -> bool:
        """Drop the pending retrain of ``event_id``; True when it was still there."""
        return self._delete_if(project, PENDING_RETRAIN, "event_id = :value", event_id)

    # Runs that ended before their lease named them --------------------------------------

    def note_ended_run(self, project: str, *, pipeline_execution_arn: str, until: datetime) -> None:
        """Remember that a run ended whose lease did not name it (yet)."""
        self._put_if(
            {
                **self._key(project, _ended_run_kind(pipeline_execution_arn)),
                "pipeline_execution_arn": {"S": pipeline_execution_arn},
                "expires_at": {"N": str(epoch(until))},
            }
        )

    def run_ended(self, project: str, *, pipeline_execution_arn: str) -> bool:
        """True when the end of ``pipeline_execution_arn`` was noted before its lease named it."""
        return self._get(project, _ended_run_kind(pipeline_execution_arn)) is not None


def _ended_run_kind(pipeline_execution_arn: str) -> str:
    return f"{ENDED_RUN}#{hashlib.sha256(pipeline_execution_arn.encode()).hexdigest()[:32]}"
