"""Old, future-dated and foreign events are refused; a deliberate redrive is audited."""

from __future__ import annotations

import uuid

import pytest

from .loop_constants import ACCOUNT, GROUP
from .loop_events import fresh_time, load_event, package_event
from .loop_world import deploy_handler, gate_handler, retrain_handler

TWO_DAYS = 2 * 86400


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"time": fresh_time(TWO_DAYS)}, "StaleEvent"),
        ({"time": fresh_time(-3600)}, "FutureEvent"),
        ({"region": "eu-west-1"}, "ForeignRegion"),
    ],
)
@pytest.mark.parametrize(
    ("module", "function", "sample"),
    [
        (retrain_handler, "retrain-trigger", "drift_alarm_state_change"),
        (gate_handler, "quality-gate", "model_package_pending_approval"),
        (deploy_handler, "deploy-trigger", "model_package_approved"),
    ],
)
def test_old_future_and_foreign_region_events_are_dropped_with_a_metric(
    world, context_for, recorder, capsys, module, function, sample, change, reason
):
    event = load_event(sample, id=str(uuid.uuid4()), **change)

    response = module.handler(event, context_for(function))

    assert response["decision"] == "dropped"
    assert response["reason"].startswith(f"{reason}:")
    assert recorder.mutations() == []
    output = capsys.readouterr().out
    assert '"DroppedEvents"' in output
    assert f'"reason":"{reason}"' in output


def test_a_model_package_in_another_region_is_refused(world, context_for, recorder):
    arn = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/{GROUP}/1"

    response = deploy_handler.handler(package_event("Approved", arn), context_for("deploy-trigger"))

    assert response["reason"].startswith("ForeignResource:")
    assert recorder.mutations() == []


def redrive(event: dict, **detail: str) -> dict:
    """The operator's request to hand ``event`` to the function again."""
    return {
        "source": "cd4ml.operator",
        "detail-type": "Redrive Requested",
        "id": str(uuid.uuid4()),
        "time": fresh_time(5),
        "account": ACCOUNT,
        "detail": {"event": event, **detail},
    }


def test_a_deliberate_redrive_of_an_old_event_acts_and_is_audited(world, context_for):
    old = load_event("drift_alarm_state_change", id=str(uuid.uuid4()), time=fresh_time(TWO_DAYS))
    request = redrive(old, requested_by="ops@example.com", reason="drift alarm lost in an outage")

    response = retrain_handler.handler(request, context_for("retrain-trigger"))

    assert response["decision"] == "retrain-started"
    assert len(world.build_runs()) == 1
    records = {r["event_id"]: r for r in world.audit_records()}
    audit = records[request["id"]]
    assert audit["decision"] == "redrive-accepted"
    assert audit["inputs"]["requested_by"] == "ops@example.com"
    assert audit["inputs"]["redriven_event_id"] == old["id"]
    assert records[old["id"]]["decision"] == "retrain-started"


@pytest.mark.parametrize(
    "change",
    [
        {"detail": {"event": {}, "requested_by": "ops", "reason": "x"}},
        {"detail": {"requested_by": "ops", "reason": "x"}},
        {"time": fresh_time(TWO_DAYS)},
    ],
)
def test_a_malformed_or_old_redrive_request_is_dropped(world, context_for, recorder, change):
    old = load_event("drift_alarm_state_change", time=fresh_time(TWO_DAYS))
    request = {**redrive(old, requested_by="ops", reason="x"), **change}

    response = retrain_handler.handler(request, context_for("retrain-trigger"))

    assert response["decision"] == "dropped"
    assert recorder.mutations() == []


def test_a_redrive_cannot_carry_an_event_of_another_account(world, context_for, recorder):
    foreign = load_event("drift_alarm_state_change", account="999999999999")

    response = retrain_handler.handler(
        redrive(foreign, requested_by="ops", reason="x"), context_for("retrain-trigger")
    )

    assert response["reason"].startswith("ForeignAccount:")
    assert recorder.mutations() == []
