"""Tell a transient AWS failure (worth a retry) from a permanent one."""

from __future__ import annotations

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


def is_definite_refusal(error: BaseException) -> bool:
    """True when the request cannot have taken effect: the service answered it with a refusal.

    An answer with a 4xx status (throttling included) is a refusal. Anything short
    of an answer is ambiguous: a read timeout or a dropped connection may come after
    the service carried the request out, and a failure to connect
    (``EndpointConnectionError``, ``ConnectTimeoutError``) is only the last of the
    client's attempts, since its own retries (standard mode, up to four attempts) may have
    sent an earlier one that took effect. So is a 5xx. Whatever the request was
    guarding must stay in place until a retry with the same idempotency token says
    what happened.
    """
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if isinstance(status, int):
            return status < 500
        return error_code(error) not in TRANSIENT_ERROR_CODES or "Throttl" in error_code(error)
    return False
