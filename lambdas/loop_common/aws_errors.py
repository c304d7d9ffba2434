"""Tell a transient AWS failure (worth a retry) from a permanent one."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# Error codes AWS services return for throttling and for failures on their side.
# A request that failed with one of these may succeed when sent again.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceException",
        "LimitExceededException",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "SlowDown",
        "ThrottledException",
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "TransactionInProgressException",
    }
)

if TYPE_CHECKING:
    from botocore.client import BaseClient

_CONNECTION_ERRORS = (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


def error_code(error: BaseException) -> str:
    """Return the AWS error code of a ``ClientError``, or the exception's class name."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__


def is_transient(error: BaseException) -> bool:
    """True when ``error`` is throttling, a server-side fault or a lost connection."""
    if isinstance(error, _CONNECTION_ERRORS):
        return True
    if isinstance(error, ClientError):
        if error_code(error) in TRANSIENT_ERROR_CODES:
            return True
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return isinstance(status, int) and status >= 500
    return False


@dataclass
class Attempts:
    """What the SDK's attempts of one call met, counted as they end.

    Attributes:
        sent: attempts that ended (answered or not).
        unanswered: attempts that ended without a refusal: a timeout, a dropped
            or failed connection, or a 5xx; each may have been carried out.
    """

    sent: int = 0
    unanswered: int = 0


_watched = threading.local()
_WATCH_ID = "cd4ml-watched-attempts"


def _note_attempt(
    response: Any = None, caught_exception: BaseException | None = None, **_: Any
) -> None:
    """``needs-retry`` handler: count the attempt that just ended for the watching call."""
    attempts: Attempts | None = getattr(_watched, "attempts", None)
    if attempts is None:
        return
    attempts.sent += 1
    status = getattr(response[0], "status_code", None) if response else None
    if caught_exception is not None or not isinstance(status, int) or status >= 500:
        attempts.unanswered += 1


@contextlib.contextmanager
def watched_attempts(client: BaseClient) -> Iterator[Attempts]:
    """Count the attempts of the calls this thread makes with ``client`` in the block.

    botocore retries a call by itself (standard mode) and raises only the last
    attempt's error; this says what the earlier ones met, for ``is_definite_refusal``.
    """
    client.meta.events.register("needs-retry", _note_attempt, unique_id=_WATCH_ID)
    outer = getattr(_watched, "attempts", None)
    _watched.attempts = attempts = Attempts()
    try:
        yield attempts
    finally:
        _watched.attempts = outer


def retry_attempts(error: ClientError) -> int:
    """How many times the SDK retried before it raised ``error`` (0 when it says nothing)."""
    value = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    return value if isinstance(value, int) else 0


def is_definite_refusal(error: BaseException, attempts: Attempts | None = None) -> bool:
    """True when the request cannot have taken effect: the service answered it with a refusal.

    An answer with a 4xx status (throttling included) is a refusal. Anything short
    of an answer is ambiguous: a read timeout or a dropped connection may come after
    the service carried the request out, and a failure to connect
    (``EndpointConnectionError``, ``ConnectTimeoutError``) is only the last of the
    client's attempts, since its own retries (standard mode; ``max_attempts`` 4 in
    botocore's ``Config`` is four retries, five attempts) may have sent an earlier one
    that took effect. So is a 5xx. So, too, is a refusal after
    retries unless ``attempts`` (``watched_attempts``) shows that every earlier attempt
    was refused as well: a throttled retry of a start whose first attempt timed out
    says nothing of that first attempt. Whatever the request was guarding must stay
    in place until a retry with the same idempotency token says what happened.
    """
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if retry_attempts(error) > 0 and (attempts is None or attempts.unanswered > 0):
            return False
        if isinstance(status, int):
            return status < 500
        return error_code(error) not in TRANSIENT_ERROR_CODES or "Throttl" in error_code(error)
    return False
