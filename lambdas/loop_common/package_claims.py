"""One decision per model package, even when two events for it arrive at the same moment.

The quality gate claims a package before it judges it: a conditional write in
``IDEMPOTENCY_TABLE`` keyed ``<function>#package#<hash of the package ARN>``
(apart from Powertools' own ``<function>#<hash of the event id>`` records). The
event that holds the claim, and its retries, may judge; another event for the
same package finds the claim taken and does nothing. A claim lapses after
``CLAIM_SECONDS``, like the idempotency records beside it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

CLAIM_SECONDS = 24 * 60 * 60


class PackageClaims:
    """Claims on model packages, one holder event each.

    Args:
        dynamodb: a DynamoDB client.
        table_name: ``IDEMPOTENCY_TABLE`` (partition key ``id``, TTL ``expiration``).
        function: the claiming function, the key prefix.
    """

    def __init__(self, *, dynamodb: BaseClient, table_name: str, function: str) -> None:
        self._dynamodb = dynamodb
        self._table_name = table_name
        self._function = function

    def key(self, package_arn: str) -> str:
        """The item id of the claim on ``package_arn``."""
        digest = hashlib.sha256(package_arn.encode()).hexdigest()[:40]
        return f"{self._function}#package#{digest}"

    def claim(self, package_arn: str, *, event_id: str, now: datetime) -> str | None:
        """Claim ``package_arn`` for ``event_id``; None when claimed, else the holder's event id."""
        expires = int((now + timedelta(seconds=CLAIM_SECONDS)).timestamp())
        try:
            self._dynamodb.put_item(
                TableName=self._table_name,
                Item={
                    "id": {"S": self.key(package_arn)},
                    "holder_event_id": {"S": event_id},
                    "expiration": {"N": str(expires)},
                },
                ConditionExpression=(
                    "attribute_not_exists(id) OR expiration <= :now OR holder_event_id = :holder"
                ),
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now.timestamp()))},
                    ":holder": {"S": event_id},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            item = self._dynamodb.get_item(
                TableName=self._table_name,
                Key={"id": {"S": self.key(package_arn)}},
                ConsistentRead=True,
            ).get("Item", {})
            return str(item.get("holder_event_id", {}).get("S", "another event"))
        return None
