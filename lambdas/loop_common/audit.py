"""The audit trail: one DynamoDB item per decision a loop function takes.

Items live in ``AUDIT_TABLE`` under partition key ``project`` and sort key
``decision_id`` = ``<event time, ISO 8601 UTC>#<event id>``, so a project's
decisions sort by the time of the event that caused them. A record is written
once: writing it again for the same event (a retried invocation) keeps the
first one. It is written after the action it records, never before.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeSerializer
    from botocore.client import BaseClient

AuditValue = str | int | float | bool | None


@functools.cache
def _serializer() -> TypeSerializer:
    # boto3, and with it its S3 transfer manager, loads with the first record, not at import.
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


def iso_utc(moment: datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, second precision), which sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decision_id(occurred_at: datetime, event_id: str) -> str:
    """The audit sort key of the decision taken for one event."""
    return f"{iso_utc(occurred_at)}#{event_id}"


@dataclass(frozen=True)
class AuditRecord:
    """One decision, with what it was based on and what it caused.

    Attributes:
        project: the project the decision concerns.
        event_id: id of the event that caused it.
        occurred_at: time of that event.
        function: the loop function that decided (``retrain-trigger``, ...).
        trigger: what kind of event it was (``drift-alarm``, ``model-package``, ...).
        decision: the decision taken.
        reason: why, in plain words.
        inputs: the evidence the decision rests on.
        result: what the decision started or changed (execution ARN, status, ...).
    """

    project: str
    event_id: str
    occurred_at: datetime
    function: str
    trigger: str
    decision: str
    reason: str
    inputs: Mapping[str, AuditValue] = field(default_factory=dict)
    result: Mapping[str, AuditValue] = field(default_factory=dict)

    @property
    def decision_id(self) -> str:
        """The record's sort key."""
        return decision_id(self.occurred_at, self.event_id)

    def to_item(self, recorded_at: datetime) -> dict[str, Any]:
        """The record as a DynamoDB item in attribute-value form."""
        plain = {
            "project": self.project,
            "decision_id": self.decision_id,
            "event_id": self.event_id,
            "function": self.function,
            "trigger": self.trigger,
            "decision": self.decision,
            "reason": self.reason,
            "inputs": {key: _storable(value) for key, value in self.inputs.items()},
            "result": {key: _storable(value) for key, value in self.result.items()},
            "occurred_at": iso_utc(self.occurred_at),
            "recorded_at": iso_utc(recorded_at),
        }
        return {key: _serializer().serialize(value) for key, value in plain.items()}


# DynamoDB numbers: 38 significant digits, magnitudes from 1E-130 up to below 1E+126.
_DYNAMODB_SMALLEST = Decimal("1E-130")
_DYNAMODB_LARGEST = Decimal("1E+126")
_DYNAMODB_DIGITS = 38


def storable_number(value: int | float) -> Decimal | str:
    """``value`` as a DynamoDB number, or as text when DynamoDB cannot store it.

    Infinities, NaN and finite values out of DynamoDB's range (such as 1e-140 or
    -1e130) are kept as their ``repr``, so a decision on an odd metric still gets
    its audit record.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    magnitude = abs(number)
    digits = len(number.as_tuple().digits)
    if magnitude and (
        magnitude < _DYNAMODB_SMALLEST
        or magnitude >= _DYNAMODB_LARGEST
        or digits > _DYNAMODB_DIGITS
    ):
        return repr(value)
    return number


def _storable(value: AuditValue) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    return storable_number(value)


class AuditTrail:
    """Writes audit records to ``AUDIT_TABLE``.

    Args:
        dynamodb: a DynamoDB client.
        table_name: the audit table.
    """

    def __init__(self, *, dynamodb: BaseClient, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table_name = table_name

    def record(self, record: AuditRecord, *, recorded_at: datetime) -> bool:
        """Write ``record`` unless the same decision is already recorded.

        Returns:
            True when written, False when a record for the same event existed.
        """
        try:
            self._dynamodb.put_item(
                TableName=self._table_name,
                Item=record.to_item(recorded_at),
                ConditionExpression="attribute_not_exists(decision_id)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
