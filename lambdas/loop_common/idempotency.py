"""Powertools idempotency settings shared by the loop functions.

Each event is processed once per ``id``: a redelivery within the expiry window
gets the stored response of the first run, flagged ``replayed``. A run that
raises leaves no record, so Lambda's retry runs the logic again.

Powertools' idempotency package imports boto3 and its S3 transfer manager
(about a third of a loop function's import), so ``EventIdempotency`` loads it
when the first event reaches a decision: a cold start pays for it once, and an
event refused before any decision never does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from loop_common.observability import REPLAYED_FLAG

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from botocore.client import BaseClient

# EventBridge retries delivery for up to 24 hours; duplicates arrive within that window.
IDEMPOTENCY_EXPIRY_SECONDS = 24 * 60 * 60

DecideFunction = TypeVar("DecideFunction", bound=Callable[..., dict[str, Any]])


class DecisionInProgress(Exception):
    """A concurrent copy of the same event is being decided at this moment."""


def mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    """Flag a response served from the idempotency record instead of a fresh run."""
    if isinstance(response, dict):
        return {**response, REPLAYED_FLAG: True}
    return response


def event_idempotency_config() -> IdempotencyConfig:
    """Idempotency keyed on the event's ``id``."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

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
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="id",
        expiry_attr="expiration",
        boto3_client=cast(Any, dynamodb),
    )


class EventIdempotency:
    """One function's idempotency records, keyed ``<key prefix>#<hash of the event id>``.

    Args:
        table_name: ``IDEMPOTENCY_TABLE``.
        dynamodb: the function's DynamoDB client (created on first use).
        key_prefix: the function's name; a different prefix would orphan the
            records already written.
    """

    def __init__(self, *, table_name: str, dynamodb: BaseClient, key_prefix: str) -> None:
        self.table_name = table_name
        self.key_prefix = key_prefix
        self._dynamodb = dynamodb
        self._lock = threading.Lock()
        self._config: IdempotencyConfig | None = None
        self._store: DynamoDBPersistenceLayer | None = None

    def _load(self) -> tuple[IdempotencyConfig, DynamoDBPersistenceLayer]:
        with self._lock:
            if self._config is None or self._store is None:
                self._store = idempotency_store(self.table_name, dynamodb=self._dynamodb)
                self._config = event_idempotency_config()
            return self._config, self._store

    @property
    def config(self) -> IdempotencyConfig:
        """The Powertools idempotency configuration, loaded on first use."""
        return self._load()[0]

    @property
    def persistence_store(self) -> DynamoDBPersistenceLayer:
        """The Powertools persistence layer, loaded on first use."""
        return self._load()[1]

    def register_lambda_context(self, context: LambdaContext) -> None:
        """Let an in-progress record expire with the invocation that wrote it."""
        self.config.register_lambda_context(context)

    def once_per_event(self, decide: DecideFunction) -> DecideFunction:
        """Run ``decide`` once per event id; a redelivery gets the first answer back.

        ``decide`` takes the event as its ``event`` keyword argument. A concurrent
        copy of an event being decided raises ``DecisionInProgress``.
        """
        wrapped: list[Callable[..., dict[str, Any]]] = []

        def decide_once(*args: Any, **kwargs: Any) -> dict[str, Any]:
            from aws_lambda_powertools.utilities.idempotency import idempotent_function
            from aws_lambda_powertools.utilities.idempotency.exceptions import (
                IdempotencyAlreadyInProgressError,
            )

            if not wrapped:
                config, store = self._load()
                wrapped.append(
                    idempotent_function(
                        decide,
                        data_keyword_argument="event",
                        config=config,
                        persistence_store=store,
                        key_prefix=self.key_prefix,
                    )
                )
            try:
                return wrapped[0](*args, **kwargs)
            except IdempotencyAlreadyInProgressError as error:
                raise DecisionInProgress(str(error)) from error

        return cast(DecideFunction, decide_once)
