"""Powertools idempotency settings shared by the loop functions.

Each event is processed once per ``id``: a redelivery within the expiry window
gets the stored response of the first run, flagged ``replayed``. A run that
raises leaves no record, so Lambda's retry runs the logic again.
"""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from botocore.client import BaseClient

from loop_common.observability import REPLAYED_FLAG

# EventBridge retries delivery for up to 24 hours; duplicates arrive within that window.
IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60


def mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    """Flag a response served from the idempotency record instead of a fresh run."""
    if isinstance(response, dict):
        return {**response, REPLAYED_FLAG: True}
    return response


def event_idempotency_config() -> IdempotencyConfig:
    """Idempotency keyed on the event's ``id``."""
    return IdempotencyConfig(
        event_key_jmespath="id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_EXPIRY_SECONDS,
        response_hook=mark_replayed,
    )


def idempotency_store(table_name: str, *, dynamodb: BaseClient) -> DynamoDBPersistenceLayer:
    """The persistence layer on ``IDEMPOTENCY_TABLE`` (partition key ``id``, TTL ``expiration``).

    It uses the function's own DynamoDB client rather than a session of its own.
    """
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="id",
        expiry_attr="expiration",
        boto3_client=cast(Any, dynamodb),
    )
