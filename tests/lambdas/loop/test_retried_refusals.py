"""A refusal the SDK raised after its own retries: definite only if no earlier attempt was lost.

botocore (standard mode, five attempts here) raises only the last attempt's error. A
``ThrottlingException`` after a first attempt that timed out says nothing of that
first attempt, which may have started the run: the lease and the cooldown stay (and
the deploy trigger keeps its deployed-version record). moto cannot be told to lose or
throttle an attempt: two ``before-send`` hooks on the handler's own client do it, one after moto (the answer of a request moto
carried out is lost) and one before moto (a throttled attempt never reaches it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.retries import standard

from loop_common.aws_errors import Attempts, is_definite_refusal

from .loop_events import load_event, package_event, policy_document
from .loop_world import deploy_handler, retrain_handler

FUNCTION = "retrain-trigger"
ENDPOINT = "https://api.sagemaker.us-east-1.amazonaws.com"
# On the generic event, where moto's own handler is: the first and last sections run
# before and after it (a handler of the specific event would run before all of them).
SEND = "before-send"
SAGEMAKER_START = b"SageMaker.StartPipelineExecution"
CODEPIPELINE_START = b"CodePipeline_20150709.StartPipelineExecution"


class Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.content


class FlakyStart:
    """Each attempt of one service's StartPipelineExecution (``target``) in turn: ``lost`` (moto carries it out, the
    answer never comes back), ``throttled`` (refused before moto sees it) or ``answered``;
    the last entry of the plan repeats for every further attempt."""

    def __init__(self, target: bytes, *attempts: str) -> None:
        self.target = target
        self.plan = list(attempts)
        self.seen: list[str] = []

    def before_moto(self, request: Any, **_: Any) -> Any:
        if not self._starts(request):
            return None
        self.seen.append(self.plan[min(len(self.seen), len(self.plan) - 1)])
        if self.seen[-1] != "throttled":
            return None
        request.url = "https://throttled.invalid/"  # matches no moto backend
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "r"}
        return AWSResponse(ENDPOINT, 400, headers, Body(body))

    def after_moto(self, request: Any, **_: Any) -> None:
        if self._starts(request) and self.seen[-1] == "lost":
            raise ReadTimeoutError(endpoint_url=ENDPOINT)

    def _starts(self, request: Any) -> bool:
        target = request.headers.get("X-Amz-Target", b"")
        return (target.encode() if isinstance(target, str) else target) == self.target


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Installs a ``FlakyStart`` on a client: ``flaky(*attempts, client=..., target=...)``."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    registered: list[tuple[Any, FlakyStart]] = []

    def install(*attempts: str, client: Any = None, target: bytes = SAGEMAKER_START) -> FlakyStart:
        events = (client or retrain_handler.sagemaker).meta.events
        start = FlakyStart(target, *attempts)
        events.register_first(SEND, start.before_moto)
        events.register_last(SEND, start.after_moto)
        registered.append((events, start))
        return start

    yield install
    for events, start in registered:
        events.unregister(SEND, start.before_moto)
        events.unregister(SEND, start.after_moto)


def alarm() -> dict[str, Any]:
    return load_event("drift_alarm_state_change", id=str(uuid.uuid4()))


@pytest.mark.parametrize("cooldown_minutes", [0, 360])
def test_a_throttled_retry_after_a_lost_attempt_keeps_the_lease_and_no_second_run_starts(
    world, context_for, flaky, cooldown_minutes
):
    world.put_policy(
        policy_document(
            retrain={"enabled": True, "cooldown_minutes": cooldown_minutes, "raw_prefix": "churn/"}
        )
    )
    sagemaker = flaky("lost", "throttled")
    first = alarm()

    with pytest.raises(ClientError, match="ThrottlingException") as raised:
        retrain_handler.handler(first, context_for(FUNCTION))

    # Every attempt the client makes (max_attempts 4 in botocore's Config is 4 retries).
    assert sagemaker.seen == ["lost"] + ["throttled"] * 4
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 4
    [run] = world.build_runs()  # the lost attempt started it
    assert world.state_item("build-lease")["holder_event_id"] == first["id"]
    if cooldown_minutes:
        assert world.state_item("build-cooldown")["event_id"] == first["id"]

    between = retrain_handler.handler(alarm(), context_for(FUNCTION))

    assert between["decision"] in ("skipped-lease-held", "skipped-cooldown")
    assert world.build_runs() == [run]


def test_throttled_on_every_attempt_is_a_refusal_that_gives_the_lease_back(
    world, context_for, flaky
):
    world.put_policy(
        policy_document(retrain={"enabled": True, "cooldown_minutes": 0, "raw_prefix": "churn/"})
    )
    sagemaker = flaky("throttled")

    with pytest.raises(ClientError, match="ThrottlingException"):
        retrain_handler.handler(alarm(), context_for(FUNCTION))

    assert sagemaker.seen == ["throttled"] * 5
    assert world.build_runs() == []
    assert world.state_item("build-lease") is None
    sagemaker.plan = ["answered"]  # SageMaker takes requests again
    after = retrain_handler.handler(alarm(), context_for(FUNCTION))
    assert after["decision"] == "retrain-started"
    assert len(world.build_runs()) == 1


def test_a_throttled_retry_of_a_deploy_start_after_a_lost_attempt_keeps_the_record(
    world, context_for, flaky
):
    arn = world.register_package("Approved", auc=0.91)
    event = package_event("Approved", arn)
    flaky("lost", "throttled", client=deploy_handler.codepipeline, target=CODEPIPELINE_START)

    with pytest.raises(ClientError, match="ThrottlingException"):
        deploy_handler.handler(event, context_for("deploy-trigger"))

    # The lost attempt started the deploy: the record of what production runs stays.
    assert world.deployed_arns() == [arn]
    assert world.state_item("deployed-version")["model_package_arn"] == arn


def test_a_deploy_start_throttled_on_every_attempt_records_nothing(world, context_for, flaky):
    arn = world.register_package("Approved", auc=0.91)
    flaky("throttled", client=deploy_handler.codepipeline, target=CODEPIPELINE_START)

    with pytest.raises(ClientError, match="ThrottlingException"):
        deploy_handler.handler(package_event("Approved", arn), context_for("deploy-trigger"))

    assert world.deployed_arns() == []
    assert world.state_item("deployed-version") is None


def throttled(retry_attempts: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": retry_attempts},
        },
        "StartPipelineExecution",
    )


@pytest.mark.parametrize(
    ("error", "attempts", "definite"),
    [
        (throttled(0), None, True),
        (throttled(3), Attempts(sent=4, unanswered=0), True),
        (throttled(3), Attempts(sent=4, unanswered=1), False),
        (throttled(1), None, False),  # retried, and nobody watched the earlier attempt
    ],
    ids=["first-attempt", "all-refused", "one-lost", "unwatched-retry"],
)
def test_a_refusal_after_retries_is_definite_only_when_every_attempt_was_refused(
    error: ClientError, attempts: Attempts | None, definite: bool
) -> None:
    assert is_definite_refusal(error, attempts) is definite
