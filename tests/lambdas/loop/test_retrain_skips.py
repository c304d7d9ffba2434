"""The retrain trigger against moto: what it skips or drops, and how its failures reach a retry."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from loop_common.policy import PolicyError

from .loop_constants import IDEMPOTENCY_TABLE
from .loop_events import load_event, policy_document
from .loop_world import retrain_handler

FUNCTION = "retrain-trigger"


def test_disabled_retraining_is_recorded_and_starts_nothing(world, context_for):
    world.put_policy(
        policy_document(retrain={"enabled": False, "cooldown_minutes": 360, "raw_prefix": "churn/"})
    )

    response = retrain_handler.handler(
        load_event("drift_alarm_state_change"), context_for(FUNCTION)
    )

    assert response["decision"] == "skipped-disabled"
    assert world.build_runs() == []
    assert [r["decision"] for r in world.audit_records()] == ["skipped-disabled"]
    assert world.state_item("build-lease") is None


def test_raw_data_outside_the_policy_prefix_starts_nothing(world, context_for):
    world.put_policy(
        policy_document(
            retrain={"enabled": True, "cooldown_minutes": 360, "raw_prefix": "churn/landing/"}
        )
    )

    response = retrain_handler.handler(load_event("raw_object_created"), context_for(FUNCTION))

    assert response["decision"] == "ignored"
    assert world.build_runs() == []
    assert world.audit_records() == []


def test_an_alarm_returning_to_ok_is_ignored_without_any_call(world, context_for, recorder):
    event = load_event("drift_alarm_state_change")
    event["detail"]["state"]["value"] = "OK"

    response = retrain_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "ignored"
    assert recorder.calls == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"account": "210987654321"}, "ForeignAccount"),
        ({"detail": {"project": "fraud"}}, "UnknownProject"),
        ({"detail": {"project": "Not A Project"}}, "UnknownProject"),
        ({"source": "aws.s3"}, "UnsupportedEvent"),
        ({"detail": {}}, "MalformedDetail"),
        ({"id": ""}, "MalformedEvent"),
    ],
)
def test_bad_events_are_dropped_without_side_effects(world, context_for, recorder, change, reason):
    event = load_event("scheduled_retrain", **change)

    response = retrain_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "dropped"
    assert response["reason"].startswith(f"{reason}:")
    assert recorder.mutations() == []
    assert world.build_runs() == []


def test_raw_data_in_another_bucket_is_dropped(world, context_for):
    event = load_event("raw_object_created")
    event["detail"]["bucket"]["name"] = "someone-elses-bucket"

    response = retrain_handler.handler(event, context_for(FUNCTION))

    assert response["reason"].startswith("ForeignResource:")
    assert world.build_runs() == []


def test_a_broken_policy_fails_the_invocation_so_the_event_reaches_the_dlq(world, context_for):
    world.put_policy(policy_document(min_threshold="0.75"))

    with pytest.raises(PolicyError, match="min_threshold"):
        retrain_handler.handler(load_event("drift_alarm_state_change"), context_for(FUNCTION))

    assert world.build_runs() == []
    assert world.audit_records() == []


def test_throttled_start_gives_the_lease_back_and_the_retry_starts_once(world, context_for):
    # moto cannot be told to throttle: botocore's Stubber answers StartPipelineExecution
    # on the handler's own SageMaker client with a ThrottlingException instead.
    event = load_event("drift_alarm_state_change")
    with Stubber(retrain_handler.sagemaker) as stub:
        stub.add_client_error(
            "start_pipeline_execution",
            service_error_code="ThrottlingException",
            http_status_code=400,
        )
        with pytest.raises(ClientError, match="ThrottlingException"):
            retrain_handler.handler(event, context_for(FUNCTION))
        stub.assert_no_pending_responses()

    assert world.state_item("build-lease") is None
    assert world.state_item("build-cooldown") is None
    assert world.audit_records() == []
    assert world.table_items(IDEMPOTENCY_TABLE) == []

    retried = retrain_handler.handler(event, context_for(FUNCTION))

    assert retried["decision"] == "retrain-started"
    assert len(world.build_runs()) == 1
    assert [r["decision"] for r in world.audit_records()] == ["retrain-started"]
