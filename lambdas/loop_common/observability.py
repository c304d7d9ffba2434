"""Logs and metrics of what each invocation did with its event.

Each invocation emits exactly one metric, so its dimensions never mix:
``DroppedEvents`` (dimension ``reason``) for refused junk, ``IgnoredEvents``
(``reason``) for well-formed events that need no action, ``DuplicateEvents``
for a redelivered event answered from the idempotency record, and
``Decisions`` (``decision``) for everything else; a retrain that replaced a
build lease nobody released also emits ``LapsedBuildLeases``, and a deploy
that took over a deploy lock nobody released ``LapsedDeployLocks`` (dimension
``service`` only, each watched by an alarm of the loop). An invocation that fails
(and is retried by Lambda) emits ``FailedEvents`` (dimension ``error``) instead.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from loop_common.aws_errors import error_code, is_transient
from loop_common.events import EventRejected, NotActionable
from loop_common.outcome import Decision, Outcome

REPLAYED_FLAG = "replayed"
LAPSED_LEASE_DETAIL = "lapsed_lease_event_id"
LAPSED_LEASES_METRIC = "LapsedBuildLeases"
LAPSED_LOCKS_METRIC = "LapsedDeployLocks"


def report_dropped(rejection: EventRejected, *, logger: Logger, metrics: Metrics) -> dict[str, Any]:
    """Log and count a refused event; return the handler's response for it."""
    logger.warning(
        "event dropped", extra={"drop_reason": rejection.reason.value, "detail": rejection.message}
    )
    metrics.add_dimension(name="reason", value=rejection.reason.value)
    metrics.add_metric(name="DroppedEvents", unit=MetricUnit.Count, value=1)
    return Outcome(Decision.DROPPED, f"{rejection.reason.value}: {rejection.message}").as_response()


def report_ignored(
    ignored: NotActionable, *, project: str | None, logger: Logger, metrics: Metrics
) -> dict[str, Any]:
    """Log and count an event that needs no action; return the handler's response for it."""
    logger.info(
        "event needs no action", extra={"ignore_reason": ignored.reason, "detail": ignored.message}
    )
    metrics.add_dimension(name="reason", value=ignored.reason)
    metrics.add_metric(name="IgnoredEvents", unit=MetricUnit.Count, value=1)
    return Outcome(Decision.IGNORED, ignored.message, project=project).as_response()


def report_response(response: dict[str, Any], *, logger: Logger, metrics: Metrics) -> None:
    """Log and count the outcome of an event that reached the decision logic."""
    if response.get(REPLAYED_FLAG):
        logger.info(
            "duplicate event answered from the idempotency record", extra={"outcome": response}
        )
        metrics.add_metric(name="DuplicateEvents", unit=MetricUnit.Count, value=1)
        return
    logger.info("decision taken", extra={"outcome": response})
    metrics.add_dimension(name="decision", value=str(response.get("decision")))
    metrics.add_metric(name="Decisions", unit=MetricUnit.Count, value=1)
    lapsed = response.get("details", {}).get(LAPSED_LEASE_DETAIL)
    if lapsed:
        # Its own metric (service dimension only), for the alarm on leases nobody released.
        logger.warning("a build lease nobody released lapsed", extra={"holder_event_id": lapsed})
        _count_alone(LAPSED_LEASES_METRIC, metrics)


def report_lapsed_lock(holder_event_id: str, *, logger: Logger, metrics: Metrics) -> None:
    """Log and count a deploy lock nobody released, taken over once it lapsed."""
    logger.warning(
        "a deploy lock nobody released lapsed; it was taken over",
        extra={"holder_event_id": holder_event_id},
    )
    _count_alone(LAPSED_LOCKS_METRIC, metrics)


def _count_alone(name: str, metrics: Metrics) -> None:
    """Emit ``name`` once, in its own record (``service`` dimension only), for an alarm."""
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=1,
        namespace=metrics.namespace,
        default_dimensions={"service": str(metrics.service)},
    ):
        pass


def report_failure(error: BaseException, *, logger: Logger, metrics: Metrics) -> None:
    """Log and count an error about to be re-raised so Lambda retries the event."""
    logger.exception(
        "event not processed; raising so that Lambda retries it",
        extra={"error_code": error_code(error), "transient": is_transient(error)},
    )
    metrics.add_dimension(name="error", value=error_code(error))
    metrics.add_metric(name="FailedEvents", unit=MetricUnit.Count, value=1)
