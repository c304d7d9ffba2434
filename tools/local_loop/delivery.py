"""Handing one event to one handler as Lambda would, and what the loop keeps of it.

An asynchronous invocation that raises is retried ``MaximumRetryAttempts`` times,
then the event goes to the function's on-failure destination; every API call a
handler makes is recorded so that the local loop can answer it as AWS would.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tools.local_loop.topology import LocalFunction

ApiCall = tuple[str, str, dict[str, Any], dict[str, Any]]


@dataclass
class Delivery:
    """One event handed to one function, and what came of it."""

    event_id: str
    event_summary: str
    rule: str
    function: str
    attempts: int
    response: dict[str, Any] | None
    error: str | None


@dataclass
class LoopRecord:
    """Everything the loop did, for the trace and the summary."""

    deliveries: list[Delivery] = field(default_factory=list)
    executions: list[dict[str, str]] = field(default_factory=list)
    deploys: list[dict[str, str]] = field(default_factory=list)
    notifications: list[dict[str, str]] = field(default_factory=list)
    dead_lettered: list[dict[str, str]] = field(default_factory=list)
    unrouted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of a Lambda context the handlers and Powertools read."""

    function: LocalFunction
    aws_request_id: str
    memory_limit_in_mb: int = 512

    @property
    def invoked_function_arn(self) -> str:
        return self.function.arn

    @property
    def function_name(self) -> str:
        return self.function.arn.rsplit(":", 1)[1]

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def event_summary(event: dict[str, Any]) -> str:
    """One readable line saying what ``event`` is."""
    detail = event.get("detail", {})
    kind = event.get("detail-type", "?")
    if kind == "CloudWatch Alarm State Change":
        return f"{kind}: {detail.get('alarmName')} -> {detail.get('state', {}).get('value')}"
    if kind == "SageMaker Model Package State Change":
        package = short_package_name(detail.get("ModelPackageArn", ""))
        return f"{kind}: {package} {detail.get('ModelApprovalStatus')}"
    if kind == "SageMaker Model Building Pipeline Execution Status Change":
        return f"{kind}: {detail.get('currentPipelineExecutionStatus')}"
    if kind == "Object Created":
        bucket, key = detail.get("bucket", {}).get("name"), detail.get("object", {}).get("key")
        return f"{kind}: s3://{bucket}/{key}"
    return str(kind)


def response_summary(response: dict[str, Any]) -> str:
    """One line of what a handler answered: a loop decision, or what a drift check found."""
    if "decision" in response:
        return f"{response['decision']} ({response.get('reason', '')})"
    if "drift_score" in response:
        score = response["drift_score"]
        shown = "none" if score is None else f"{score:.3f}"
        return (
            f"{response.get('status')}, {response.get('rows')} rows, drift score {shown}, "
            f"drifted {response.get('drifted_features')}, report {response.get('report_uri')}"
        )
    return ", ".join(f"{key} {value}" for key, value in sorted(response.items()))


def short_package_name(package_arn: str) -> str:
    """``group/version`` of a model package ARN."""
    return package_arn.rsplit(":", 1)[-1].removeprefix("model-package/")


@contextlib.contextmanager
def recording_api_calls(sink: Callable[[ApiCall], None]) -> Iterator[None]:
    """Pass every API call made through any botocore client, with its response, to ``sink``."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        response = original(client, operation, params)
        sink((client.meta.service_model.service_name, operation, dict(params), response))
        return response

    BaseClient._make_api_call = recording
    try:
        yield
    finally:
        BaseClient._make_api_call = original


@dataclass
class Invoker:
    """Invokes handlers with Lambda's retries and records each delivery.

    Attributes:
        handlers: the imported handler of each function, by ARN.
        record: where deliveries and dead-lettered events are kept.
        trace: receives one readable line per step.
        answer: answers the API calls of one attempt, as AWS would.
    """

    handlers: dict[str, Callable[..., Any]]
    record: LoopRecord
    trace: Callable[[str], None]
    answer: Callable[[list[ApiCall]], None]
    _calls: list[ApiCall] | None = None

    def take_call(self, call: ApiCall) -> None:
        """Keep an API call made while a handler runs."""
        if self._calls is not None:
            self._calls.append(call)

    def deliver(self, event: dict[str, Any], *, rule: str, function: LocalFunction) -> None:
        handler = self.handlers[function.arn]
        error: str | None = None
        response: dict[str, Any] | None = None
        attempts = 0
        for attempt in range(1 + function.retry_attempts):
            attempts = attempt + 1
            self._calls = []
            # Logs and metrics (EMF) go to stdout in Lambda; here they are kept out of the trace.
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    response = handler(
                        event, LambdaContext(function, f"{event.get('id')}-{attempt}")
                    )
                error = None
            except Exception as failure:
                error = f"{type(failure).__name__}: {failure}"
            calls, self._calls = self._calls or [], None
            self.answer(calls)
            if error is None:
                break
        delivery = Delivery(
            event_id=str(event.get("id")),
            event_summary=event_summary(event),
            rule=rule,
            function=function.name,
            attempts=attempts,
            response=response,
            error=error,
        )
        self.record.deliveries.append(delivery)
        replay = any(
            d.event_id == delivery.event_id and d.function == function.name and d.error is None
            for d in self.record.deliveries[:-1]
        )
        if replay:
            self.trace(
                f"      {rule} -> {function.name}: duplicate delivery, answered from the "
                "idempotency record without acting again"
            )
        elif error is None and response is not None:
            self.trace(f"      {rule} -> {function.name}: {response_summary(response)}")
        else:
            self.record.dead_lettered.append(
                {
                    "function": function.name,
                    "event": str(event.get("id")),
                    "queue": str(function.failure_destination),
                    "error": str(error),
                }
            )
            self.trace(
                f"      {rule} -> {function.name}: failed {attempts}x, dead-lettered: {error}"
            )
