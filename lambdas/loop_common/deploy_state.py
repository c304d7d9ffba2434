"""The deploy trigger's items in ``STATE_TABLE``: the deployed version and the deploy lock.

The deploy lock serialises every deploy and rollback of one project: the
newest-approved check, the deployed-version record and the start of the deploy
pipeline happen under it, so two approvals (or an approval and a rejection)
handled at the same moment act one after the other, and the recorded version is
always the one whose deploy started last. The record is written before the
deploy starts: if the write fails nothing is deployed, and once a deploy has
started a rejection always finds the version it must roll back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from loop_common.audit import iso_utc
from loop_common.state_table import StateTable, epoch

DEPLOYED_VERSION = "deployed-version"
DEPLOY_LOCK = "deploy-lock"
NOT_STARTED = ""


@dataclass(frozen=True)
class DeployLockAttempt:
    """The result of trying to take a project's deploy lock.

    Attributes:
        acquired: the caller holds the lock now.
        lapsed_holder_event_id: the event whose expired lock the caller took
            over (its invocation died or timed out while it held the lock).
    """

    acquired: bool
    lapsed_holder_event_id: str | None = None


@dataclass(frozen=True)
class DeployedVersion:
    """The model package version most recently sent to the project's deploy pipeline.

    Attributes:
        model_package_arn: the package sent.
        model_package_version: its version number.
        deploy_execution_id: the CodePipeline execution started for it; empty
            between the record and the start of the deploy.
        event_id: the event that caused the deploy.
        cause: ``approved`` or ``rollback``.
        requested_at: when the deploy was requested.
    """

    model_package_arn: str
    model_package_version: int
    deploy_execution_id: str
    event_id: str
    cause: str
    requested_at: datetime


class DeployState(StateTable):
    """The deployed version and the deploy lock of each project."""

    def deployed_version(self, project: str) -> DeployedVersion | None:
        """The version most recently sent to the project's deploy pipeline, if any."""
        item = self._get(project, DEPLOYED_VERSION)
        if item is None:
            return None
        return DeployedVersion(
            model_package_arn=item["model_package_arn"]["S"],
            model_package_version=int(item["model_package_version"]["N"]),
            deploy_execution_id=item["deploy_execution_id"]["S"],
            event_id=item["event_id"]["S"],
            cause=item["cause"]["S"],
            requested_at=datetime.fromisoformat(item["requested_at"]["S"]),
        )

    def record_deployed_version(self, project: str, version: DeployedVersion) -> None:
        """Remember ``version`` as the one sent to the deploy pipeline (before it starts)."""
        self._put_if(
            {
                **self._key(project, DEPLOYED_VERSION),
                "model_package_arn": {"S": version.model_package_arn},
                "model_package_version": {"N": str(version.model_package_version)},
                "deploy_execution_id": {"S": version.deploy_execution_id},
                "event_id": {"S": version.event_id},
                "cause": {"S": version.cause},
                "requested_at": {"S": iso_utc(version.requested_at)},
            }
        )

    def note_deploy_execution(self, project: str, *, event_id: str, execution_id: str) -> bool:
        """Add the started execution to the record written for ``event_id``, if still its."""
        item = self._get(project, DEPLOYED_VERSION)
        if item is None or item["event_id"]["S"] != event_id:
            return False
        return self._put_if(
            {**item, "deploy_execution_id": {"S": execution_id}},
            "event_id = :event",
            {":event": {"S": event_id}},
        )

    def forget_deployed_version(self, project: str, *, event_id: str) -> bool:
        """Delete the record written for ``event_id`` (a deploy that was refused)."""
        return self._delete_if(project, DEPLOYED_VERSION, "event_id = :value", event_id)

    def acquire_deploy_lock(
        self, project: str, *, holder_event_id: str, now: datetime, lock_seconds: int
    ) -> DeployLockAttempt:
        """Take the project's deploy lock unless another event holds an unexpired one.

        The holder may take it again (a retried invocation of the same event);
        taking over another event's expired lock says whose it was.
        """
        old = self._claim(
            {
                **self._key(project, DEPLOY_LOCK),
                "holder_event_id": {"S": holder_event_id},
                "expires_at": {"N": str(epoch(now + timedelta(seconds=lock_seconds)))},
            },
            holder_event_id=holder_event_id,
            now=now,
        )
        if old is None:
            return DeployLockAttempt(acquired=False)
        if old and old["holder_event_id"]["S"] != holder_event_id:
            return DeployLockAttempt(
                acquired=True, lapsed_holder_event_id=old["holder_event_id"]["S"]
            )
        return DeployLockAttempt(acquired=True)

    def release_deploy_lock(self, project: str, *, holder_event_id: str) -> bool:
        """Give the deploy lock back if ``holder_event_id`` still holds it."""
        return self._delete_if(project, DEPLOY_LOCK, "holder_event_id = :value", holder_event_id)
