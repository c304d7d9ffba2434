"""The retrain trigger under ambiguous failures, lapsed leases, concurrent and blocked alarms."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from ..metric_lines import metrics_of
from .interleaving import on_call, together
from .left_behind import leave_lapsed_item
from .loop_constants import DRIFT_ALARM, REGION
from .loop_events import load_event, policy_document, run_ended_event
from .loop_world import retrain_handler

FUNCTION = "retrain-trigger"
NO_COOLDOWN = {"enabled": True, "cooldown_minutes": 0, "raw_prefix": "churn/"}


def alarm(event_id: str | None = None) -> dict[str, Any]:
    """The project's drift alarm entering ALARM, as a fresh event."""
    return load_event("drift_alarm_state_change", id=event_id or str(uuid.uuid4()))


def send(context_for, event: dict[str, Any]) -> dict[str, Any]:
    return retrain_handler.handler(event, context_for(FUNCTION))


class SageMakerTokens:
    """What SageMaker does with ``ClientRequestToken`` (moto ignores it): a repeat gets the
    first answer; the first answer is lost on the way back, as when the connection drops."""

    def __init__(self, lost: type[Exception] = ReadTimeoutError) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.lose_next = True
        self.lost = lost

    def before(self, context: dict[str, Any], **_: Any) -> Any:
        answer = self.answers.get(context.get("client_request_token") or "")
        if answer is None:
            return None
        return AWSResponse("https://api.sagemaker.us-east-1.amazonaws.com", 200, {}, None), answer

    def after(self, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        token = kwargs["context"].get("client_request_token")
        if token and token not in self.answers:
            self.answers[token] = dict(parsed)
        if self.lose_next:
            self.lose_next = False
            raise self.lost(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com")


def remember_token(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["client_request_token"] = params.get("ClientRequestToken")


def ambiguous_start_then_retry(
    world, context_for, *, cooldown_minutes: int, lost: type[Exception]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first start of an alarm is lost with ``lost``; another alarm arrives; the first is retried."""
    world.put_policy(policy_document(retrain={**NO_COOLDOWN, "cooldown_minutes": cooldown_minutes}))
    tokens, first = SageMakerTokens(lost), alarm()
    client = retrain_handler.sagemaker
    with (
        on_call(
            client,
            "before-parameter-build.sagemaker.StartPipelineExecution",
            remember_token,
            once=False,
        ),
        on_call(client, "before-call.sagemaker.StartPipelineExecution", tokens.before, once=False),
        on_call(client, "after-call.sagemaker.StartPipelineExecution", tokens.after, once=False),
    ):
        with pytest.raises(lost):
            send(context_for, first)
        assert world.state_item("build-lease")["holder_event_id"] == first["id"]
        if cooldown_minutes:
            assert world.state_item("build-cooldown")["event_id"] == first["id"]

        between = send(context_for, alarm())
        retried = send(context_for, first)
    return between, retried


def assert_one_run_found_by_the_retry(world, retried: dict[str, Any]) -> None:
    assert retried["decision"] == "retrain-started"
    [run] = world.build_runs()
    assert retried["details"]["pipeline_execution_arn"] == run["PipelineExecutionArn"]
    assert world.state_item("build-lease")["pipeline_execution_arn"] == run["PipelineExecutionArn"]


@pytest.mark.parametrize("cooldown_minutes", [0, 360])
def test_an_ambiguous_start_keeps_the_project_blocked_and_the_retry_finds_the_run(
    world, context_for, cooldown_minutes
):
    between, retried = ambiguous_start_then_retry(
        world, context_for, cooldown_minutes=cooldown_minutes, lost=ReadTimeoutError
    )

    assert between["decision"] in ("skipped-lease-held", "skipped-cooldown")
    assert_one_run_found_by_the_retry(world, retried)


@pytest.mark.parametrize("lost", [ConnectionClosedError, EndpointConnectionError])
def test_a_dropped_connection_or_a_failed_reconnect_is_as_ambiguous_as_a_timeout(
    world, context_for, lost
):
    # A failure to connect may be the SDK's last attempt after one that was carried out.
    between, retried = ambiguous_start_then_retry(
        world, context_for, cooldown_minutes=360, lost=lost
    )

    assert between["decision"] == "skipped-cooldown"
    assert_one_run_found_by_the_retry(world, retried)


def test_a_lease_nobody_released_lapses_the_next_trigger_proceeds_and_says_so(
    world, context_for, capsys
):
    world.put_policy(policy_document(retrain=NO_COOLDOWN))
    leave_lapsed_item(
        world,
        "build-lease",
        holder_event_id="crashed-build",
        lapsed_seconds_ago=300,
        acquired_at="2026-01-01T00:00:00Z",
    )

    response = send(context_for, alarm())

    assert response["decision"] == "retrain-started"
    assert response["details"]["lapsed_lease_event_id"] == "crashed-build"
    # Its own metric, with the service dimension only: what the loop's alarm watches.
    assert sorted(metrics_of(capsys.readouterr().out)) == [
        ("Decisions", {"service": FUNCTION, "decision": "retrain-started"}),
        ("LapsedBuildLeases", {"service": FUNCTION}),
    ]


def test_concurrent_triggers_for_one_project_start_exactly_one_run(world, context_for):
    world.put_policy(policy_document(retrain=NO_COOLDOWN))
    events = [alarm() for _ in range(4)]

    outcomes = together(*(lambda event=event: send(context_for, event) for event in events))

    decisions = sorted(outcome["result"]["decision"] for outcome in outcomes)
    assert decisions == ["retrain-started"] + ["skipped-lease-held"] * 3
    assert len(world.build_runs()) == 1


def test_a_copy_of_an_event_arriving_while_it_is_handled_is_no_error(world, context_for, capsys):
    event = alarm()
    copy: dict[str, Any] = {}

    def copy_arrives(**_: Any) -> None:
        copy["response"] = send(context_for, dict(event))

    with on_call(
        retrain_handler.sagemaker, "before-call.sagemaker.StartPipelineExecution", copy_arrives
    ):
        first = send(context_for, event)

    assert first["decision"] == "retrain-started"
    assert copy["response"]["decision"] == "duplicate-in-progress"
    output = capsys.readouterr().out
    assert '"DuplicateEvents"' in output
    assert '"FailedEvents"' not in output
    assert len(world.build_runs()) == 1


def drift_alarm_in(state: str) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=DRIFT_ALARM,
        Namespace="CD4ML/Drift",
        MetricName="DriftScore",
        Statistic="Maximum",
        Period=3600,
        EvaluationPeriods=1,
        Threshold=0.3,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=DRIFT_ALARM, StateValue=state, StateReason="test")


@pytest.mark.parametrize(("state", "runs"), [("ALARM", 2), ("OK", 1)])
def test_a_drift_alarm_while_blocked_is_acted_on_when_the_run_ends(world, context_for, state, runs):
    world.put_policy(policy_document(retrain=NO_COOLDOWN))
    drift_alarm_in(state)
    started = send(context_for, alarm())
    blocked = send(context_for, alarm())
    assert blocked["decision"] == "skipped-lease-held"
    assert "remembered" in blocked["details"]["pending_retrain"]

    ended = send(context_for, run_ended_event(started["details"]["pipeline_execution_arn"]))

    assert ended["decision"] == "lease-released"
    expected = "retrain-started" if state == "ALARM" else "dropped"
    assert expected in ended["details"]["pending_retrain"]
    assert len(world.build_runs()) == runs
    assert world.state_item("pending-retrain") is None


def test_a_run_that_ends_before_its_lease_names_it_leaves_no_lease(world, context_for):
    world.put_policy(policy_document(retrain=NO_COOLDOWN))

    def run_ends_at_once(parsed: dict[str, Any], **_: Any) -> None:
        send(context_for, run_ended_event(parsed["PipelineExecutionArn"]))

    with on_call(
        retrain_handler.sagemaker, "after-call.sagemaker.StartPipelineExecution", run_ends_at_once
    ):
        assert send(context_for, alarm())["decision"] == "retrain-started"

    assert world.state_item("build-lease") is None
    assert send(context_for, alarm())["decision"] == "retrain-started"
