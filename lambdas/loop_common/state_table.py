"""The loop's small working memory in ``STATE_TABLE``, and the way its items are written.

All items of a project share partition key ``pk = project#{project}``; the sort
key ``sk`` says what the item is (``build-lease``, ``build-cooldown``,
``pending-retrain``, ``deployed-version``, ``deploy-lock``). Items that lapse
carry ``expires_at`` (epoch seconds), the table's TTL attribute; DynamoDB
deletes expired items lazily, so every read and conditional write compares
``expires_at`` with the clock too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.client import BaseClient


def project_key(project: str) -> str:
    """The partition key of a project's state items."""
    return f"project#{project}"


def epoch(moment: datetime) -> int:
    """``moment`` in epoch seconds, the form of ``expires_at``."""
    return int(moment.timestamp())


def from_epoch(value: str) -> datetime:
    """An ``expires_at`` value as an aware UTC datetime."""
    return datetime.fromtimestamp(int(value), tz=UTC)


def is_condition_failure(error: ClientError) -> bool:
    """True when a conditional write was refused because its condition did not hold."""
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class StateTable:
    """Reads and conditionally writes a project's items in ``STATE_TABLE``.

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

    def _put_if(
        self,
        item: dict[str, Any],
        condition: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> bool:
        """Put ``item`` if ``condition`` holds; False when it did not."""
        arguments: dict[str, Any] = {"TableName": self._table_name, "Item": item}
        if condition is not None:
            arguments["ConditionExpression"] = condition
            if values:
                arguments["ExpressionAttributeValues"] = values
        try:
            self._dynamodb.put_item(**arguments)
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def _delete_if(self, project: str, kind: str, condition: str, value: str) -> bool:
        try:
            self._dynamodb.delete_item(
                TableName=self._table_name,
                Key=self._key(project, kind),
                ConditionExpression=condition,
                ExpressionAttributeValues={":value": {"S": value}},
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def _claim(
        self, item: dict[str, Any], *, holder_event_id: str, now: datetime
    ) -> dict[str, Any] | None:
        """Write a lease-like ``item`` unless another event holds an unexpired one.

        The holder may write it again (a retried invocation of the same event).
        Returns the item it replaced (empty when there was none), or None when
        another event's unexpired item stays.
        """
        try:
            response = self._dynamodb.put_item(
                TableName=self._table_name,
                Item=item,
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expires_at <= :now OR holder_event_id = :holder"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(epoch(now))},
                    ":holder": {"S": holder_event_id},
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        return dict(response.get("Attributes", {}))
