"""The retrain trigger against moto: starts, duplicates, leases and cooldowns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from loop_common.events import accept_envelope
from loop_common.naming import ResourceNames, request_token
from retrain_trigger.logic import (
    BuildRunEnded,
    RetrainRequest,
    end_build_run,
    read_retrain_event,
    start_build_run,
)

from .loop_constants import ACCOUNT, BUILD_PIPELINE, PREFIX, RAW_BUCKET
from .loop_events import load_event, policy_document, run_ended_event
from .loop_world import retrain_handler

FUNCTION = "retrain-trigger"


def test_drift_alarm_starts_one_build_run_with_its_reason(world, context_for, recorder):
    event = load_event("drift_alarm_state_change")

    response = retrain_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "retrain-started"
    [run] = world.build_runs()
    assert response["details"]["pipeline_execution_arn"] == run["PipelineExecutionArn"]
    assert run["Parameters"]["TriggerSource"] == "drift-alarm"
    assert run["Parameters"]["TriggerEventId"] == event["id"]
    assert run["Parameters"]["TriggerReason"].startswith(
        f"drift alarm {PREFIX}-churn-drift entered ALARM: Threshold Crossed"
    )
    [call] = recorder.of("sagemaker", "StartPipelineExecution")
    assert call.params["PipelineName"] == BUILD_PIPELINE
    assert call.params["ClientRequestToken"] == request_token("retrain", event["id"])
    [record] = world.audit_records()
    assert record["decision_id"] == f"{event['time']}#{event['id']}"
    assert record["decision"] == "retrain-started"
    assert record["trigger"] == "drift-alarm"
    assert record["result"]["pipeline_execution_arn"] == run["PipelineExecutionArn"]
    lease = world.state_item("build-lease")
    assert lease is not None
    assert lease["holder_event_id"] == event["id"]
    assert lease["pipeline_execution_arn"] == run["PipelineExecutionArn"]
    cooldown = world.state_item("build-cooldown")
    assert cooldown is not None
    remaining = int(cooldown["expires_at"]) - datetime.now(UTC).timestamp()
    assert 359 * 60 < remaining <= 360 * 60


@pytest.mark.parametrize(
    ("sample", "trigger", "reason_start"),
    [
        ("raw_object_created", "raw-data", f"new raw data s3://{RAW_BUCKET}/churn/2024/05/01/"),
        ("scheduled_retrain", "schedule", "scheduled retrain at 20"),
    ],
)
def test_new_raw_data_and_schedule_start_build_runs(
    world, context_for, sample, trigger, reason_start
):
    response = retrain_handler.handler(load_event(sample), context_for(FUNCTION))

    assert response["decision"] == "retrain-started"
    [run] = world.build_runs()
    assert run["Parameters"]["TriggerSource"] == trigger
    assert run["Parameters"]["TriggerReason"].startswith(reason_start)


def test_the_same_event_three_times_gives_one_run_and_one_decision(world, context_for):
    event = load_event("drift_alarm_state_change")

    responses = [retrain_handler.handler(dict(event), context_for(FUNCTION)) for _ in range(3)]

    assert len(world.build_runs()) == 1
    assert len(world.audit_records()) == 1
    assert [r.get("replayed", False) for r in responses] == [False, True, True]
    assert {r["details"]["pipeline_execution_arn"] for r in responses} == {
        world.build_runs()[0]["PipelineExecutionArn"]
    }


def test_two_drift_alarms_within_the_lease_give_one_run(world, context_for):
    world.put_policy(
        policy_document(retrain={"enabled": True, "cooldown_minutes": 0, "raw_prefix": "churn/"})
    )
    first = load_event("drift_alarm_state_change", id=str(uuid.uuid4()))
    second = load_event("drift_alarm_state_change", id=str(uuid.uuid4()))

    started = retrain_handler.handler(first, context_for(FUNCTION))
    skipped = retrain_handler.handler(second, context_for(FUNCTION))

    assert started["decision"] == "retrain-started"
    assert skipped["decision"] == "skipped-lease-held"
    assert skipped["details"]["blocking_event_id"] == first["id"]
    assert (
        skipped["details"]["blocking_execution_arn"] == started["details"]["pipeline_execution_arn"]
    )
    assert len(world.build_runs()) == 1
    assert {r["event_id"]: r["decision"] for r in world.audit_records()} == {
        first["id"]: "retrain-started",
        second["id"]: "skipped-lease-held",
    }


def test_end_of_run_frees_the_lease_but_the_cooldown_still_holds(world, context_for):
    started = retrain_handler.handler(load_event("drift_alarm_state_change"), context_for(FUNCTION))
    execution_arn = started["details"]["pipeline_execution_arn"]

    released = retrain_handler.handler(run_ended_event(execution_arn), context_for(FUNCTION))
    again = retrain_handler.handler(load_event("scheduled_retrain"), context_for(FUNCTION))

    assert released["decision"] == "lease-released"
    assert world.state_item("build-lease") is None
    assert again["decision"] == "skipped-cooldown"
    assert again["details"]["blocking_execution_arn"] == execution_arn
    assert len(world.build_runs()) == 1


def test_end_of_a_run_the_trigger_did_not_start_changes_nothing(world, context_for):
    started = retrain_handler.handler(load_event("drift_alarm_state_change"), context_for(FUNCTION))
    foreign_run = (
        f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:pipeline/{BUILD_PIPELINE}/execution/studio0manual"
    )

    response = retrain_handler.handler(
        run_ended_event(foreign_run, "Failed"), context_for(FUNCTION)
    )

    assert response["decision"] == "ignored"
    lease = world.state_item("build-lease")
    assert lease is not None
    assert lease["pipeline_execution_arn"] == started["details"]["pipeline_execution_arn"]
    assert len(world.audit_records()) == 1


def _request(trigger_event: str) -> RetrainRequest:
    """The retrain request read from a sample event given a fresh id."""
    envelope = accept_envelope(load_event(trigger_event, id=str(uuid.uuid4())), ACCOUNT)
    request = read_retrain_event(envelope, names=ResourceNames(PREFIX), raw_bucket=RAW_BUCKET)
    assert isinstance(request, RetrainRequest)
    return request


def _start(request: RetrainRequest, now: datetime, *, lease_seconds: int = 21600) -> str:
    """Run the retrain decision at ``now`` with the handler's clients; return the decision."""
    policy = retrain_handler.policies.policy_for("churn")
    assert policy is not None
    outcome = start_build_run(
        request,
        policy=policy,
        sagemaker=retrain_handler.sagemaker,
        state=retrain_handler.state,
        audit=retrain_handler.audit,
        lease_seconds=lease_seconds,
        now=now,
    )
    return outcome.decision.value


def test_a_new_run_may_start_once_the_cooldown_has_passed(world):
    start = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert _start(_request("drift_alarm_state_change"), start) == "retrain-started"
    [run] = world.build_runs()
    ended = read_retrain_event(
        accept_envelope(run_ended_event(run["PipelineExecutionArn"]), ACCOUNT),
        names=ResourceNames(PREFIX),
        raw_bucket=RAW_BUCKET,
    )
    assert isinstance(ended, BuildRunEnded)
    end_build_run(
        ended,
        state=retrain_handler.state,
        audit=retrain_handler.audit,
        now=start + timedelta(hours=2),
    )

    just_before = _start(_request("scheduled_retrain"), start + timedelta(minutes=359))
    just_after = _start(_request("scheduled_retrain"), start + timedelta(minutes=361))

    assert (just_before, just_after) == ("skipped-cooldown", "retrain-started")
    assert len(world.build_runs()) == 2


def test_a_lease_nobody_releases_lapses_by_itself(world):
    world.put_policy(
        policy_document(retrain={"enabled": True, "cooldown_minutes": 0, "raw_prefix": "churn/"})
    )
    start = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    first = _start(_request("drift_alarm_state_change"), start, lease_seconds=3600)
    within = _start(
        _request("drift_alarm_state_change"), start + timedelta(minutes=59), lease_seconds=3600
    )
    after = _start(
        _request("drift_alarm_state_change"), start + timedelta(minutes=61), lease_seconds=3600
    )

    assert (first, within, after) == ("retrain-started", "skipped-lease-held", "retrain-started")
    assert len(world.build_runs()) == 2
