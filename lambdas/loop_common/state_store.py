"""The loop's small working memory in ``STATE_TABLE``: build leases, cooldowns, deployed versions.

All items of a project share partition key ``pk = project#{project}``; the sort
key ``sk`` says what the item is (``build-lease``, ``build-cooldown``,
``deployed-version``). Leases and cooldowns carry ``expires_at`` (epoch
seconds), the table's TTL attribute; DynamoDB deletes expired items lazily, so
every read and conditional write compares ``expires_at`` with the clock too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from loop_common.audit import iso_utc

BUILD_LEASE = "build-lease"
BUILD_COOLDOWN = "build-cooldown"
DEPLOYED_VERSION = "deployed-version"


def project_key(project: str) -> str:
    """The partition key of a project's state items."""
    return f"project#{project}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _from_epoch(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), tz=UTC)


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


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
    """

    acquired: bool
    current: BuildLease | None = None


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
class DeployedVersion:
    """The model package version most recently sent to the project's deploy pipeline.

    Attributes:
        model_package_arn: the package sent.
        model_package_version: its version number.
        deploy_execution_id: the CodePipeline execution started for it.
        event_id: the event that caused the deploy.
        cause: ``approved`` or ``rollback``.
        requested_at: when the deploy was started.
    """

    model_package_arn: str
    model_package_version: int
    deploy_execution_id: str
    event_id: str
    cause: str
    requested_at: datetime


class StateStore:
    """Reads and writes the loop's state items.

    Args:
        dynamodb: a DynamoDB client.
        table_name: ``STATE_TABLE``.
    """

    def __init__(self, *, dynamodb: BaseClient, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table_name = table_name

    def _key(self, project: str, kind: str) -> dict[str, Any]:
        return {"pk": {"S": project_key(project)}, "sk": {"S": kind}}

    def _get(self, project: str, kind: str) -> dict[str, Any] | None:
        response = self._dynamodb.get_item(
            TableName=self._table_name, Key=self._key(project, kind), ConsistentRead=True
        )
        item: dict[str, Any] | None = response.get("Item")
        return item

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
            "expires_at": {"N": str(_epoch(now + timedelta(seconds=lease_seconds)))},
        }
        try:
            self._dynamodb.put_item(
                TableName=self._table_name,
                Item=item,
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expires_at <= :now OR holder_event_id = :holder"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(_epoch(now))},
                    ":holder": {"S": holder_event_id},
                },
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return LeaseAttempt(acquired=False, current=self.build_lease(project, now=now))
        return LeaseAttempt(acquired=True)

    def build_lease(self, project: str, *, now: datetime) -> BuildLease | None:
        """The project's unexpired build lease, if any."""
        item = self._get(project, BUILD_LEASE)
        if item is None:
            return None
        lease = BuildLease(
            holder_event_id=item["holder_event_id"]["S"],
            acquired_at=datetime.fromisoformat(item["acquired_at"]["S"]),
            expires_at=_from_epoch(item["expires_at"]["N"]),
            pipeline_execution_arn=item.get("pipeline_execution_arn", {}).get("S"),
        )
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

    def _delete_if(self, project: str, kind: str, condition: str, value: str) -> bool:
        try:
            self._dynamodb.delete_item(
                TableName=self._table_name,
                Key=self._key(project, kind),
                ConditionExpression=condition,
                ExpressionAttributeValues={":value": {"S": value}},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    # Cooldown -------------------------------------------------------------------------------

    def cooldown(self, project: str, *, now: datetime) -> Cooldown | None:
        """The project's cooldown if it has not ended by ``now``."""
        item = self._get(project, BUILD_COOLDOWN)
        if item is None:
            return None
        cooldown = Cooldown(
            until=_from_epoch(item["expires_at"]["N"]),
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
                "expires_at": {"N": str(_epoch(until))},
                "event_id": {"S": event_id},
                "pipeline_execution_arn": {"S": pipeline_execution_arn},
            },
        )

    # Deployed version -----------------------------------------------------------------------

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
        """Remember ``version`` as the one now sent to the deploy pipeline."""
        self._dynamodb.put_item(
            TableName=self._table_name,
            Item={
                **self._key(project, DEPLOYED_VERSION),
                "model_package_arn": {"S": version.model_package_arn},
                "model_package_version": {"N": str(version.model_package_version)},
                "deploy_execution_id": {"S": version.deploy_execution_id},
                "event_id": {"S": version.event_id},
                "cause": {"S": version.cause},
                "requested_at": {"S": iso_utc(version.requested_at)},
            },
        )
