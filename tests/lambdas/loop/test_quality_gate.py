"""The quality gate against moto: approve, hold, reject, races, retries and failures."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from .loop_constants import ARTIFACT_BUCKET, IDEMPOTENCY_TABLE
from .loop_events import package_event, policy_document
from .loop_world import gate_handler

FUNCTION = "quality-gate"
PENDING = "PendingManualApproval"


def send_pending(context_for, package_arn, *, event_id=None):
    """Send the gate the PendingManualApproval event of ``package_arn``."""
    return gate_handler.handler(
        package_event(PENDING, package_arn, event_id=event_id), context_for(FUNCTION)
    )


def test_a_good_first_model_is_approved_with_its_evidence(world, context_for):
    candidate = world.register_package(PENDING, auc=0.91)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "approved"
    package = world.package(candidate)
    assert package["ModelApprovalStatus"] == "Approved"
    description = package["ApprovalDescription"]
    assert description.startswith("[cd4ml-quality-gate event=")
    assert "decision=approved] auc 0.91 meets the threshold 0.75" in description
    assert "there is no approved champion yet" in description
    assert "champion=none" in description
    [record] = world.audit_records()
    assert record["decision"] == "approved"
    assert record["inputs"]["value"] == Decimal("0.91")
    assert record["inputs"]["champion_arn"] is None
    assert world.notifications() == []


def test_a_model_below_the_threshold_is_rejected_and_the_team_told_why(world, context_for):
    candidate = world.register_package(PENDING, auc=0.70)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "rejected"
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"
    [notification] = world.notifications()
    assert notification["Subject"] == "CD4ML: churn model version 1 rejected by the quality gate"
    assert (
        "Why: auc 0.7 is below the minimum of 0.75 set in the project policy."
        in (notification["Message"])
    )
    assert notification["MessageAttributes"]["decision"]["Value"] == "rejected"
    assert [r["decision"] for r in world.audit_records()] == ["rejected"]


def test_a_model_that_does_not_beat_the_champion_is_rejected(world, context_for):
    champion = world.register_package("Approved", auc=0.90)
    candidate = world.register_package(PENDING, auc=0.88)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "rejected"
    assert "does not beat the champion (version 1, auc 0.9)" in response["reason"]
    [record] = world.audit_records()
    assert record["inputs"]["champion_arn"] == champion
    assert record["inputs"]["champion_value"] == Decimal("0.9")


def test_beating_the_champion_by_exactly_the_required_margin_is_enough(world, context_for):
    world.put_policy(policy_document(min_improvement=0.02))
    world.register_package("Approved", auc=0.90)
    candidate = world.register_package(PENDING, auc=0.92)

    response = send_pending(context_for, candidate)

    # 0.92 - 0.90 is 0.0199999... in floating point.
    assert response["decision"] == "approved"


def test_the_champion_is_the_latest_approved_version(world, context_for):
    world.register_package("Approved", auc=0.95)
    world.register_package("Rejected", auc=0.99)
    world.register_package("Approved", auc=0.80)
    candidate = world.register_package(PENDING, auc=0.85)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "approved"
    assert "beats the champion (version 3, auc 0.8)" in response["reason"]


def test_manual_mode_holds_a_good_model_for_a_human_once(world, context_for):
    world.put_policy(policy_document(approval_mode="manual"))
    candidate = world.register_package(PENDING, auc=0.91)

    response = send_pending(context_for, candidate)
    # Recording the hold updates the package, which emits another PendingManualApproval event.
    echo = send_pending(context_for, candidate)

    assert response["decision"] == "held"
    assert echo["decision"] == "ignored"
    package = world.package(candidate)
    assert package["ModelApprovalStatus"] == PENDING
    assert "decision=held]" in package["ApprovalDescription"]
    [notification] = world.notifications()
    assert notification["Subject"] == "CD4ML: churn model version 1 waits for your approval"
    assert "approval mode is manual" in notification["Message"]
    assert [r["decision"] for r in world.audit_records()] == ["held"]


def test_manual_mode_still_rejects_a_model_below_the_threshold(world, context_for):
    world.put_policy(policy_document(approval_mode="manual"))
    candidate = world.register_package(PENDING, auc=0.5)

    assert send_pending(context_for, candidate)["decision"] == "rejected"


def test_an_unreadable_champion_holds_the_candidate_for_a_human(world, context_for):
    world.register_package("Approved", report_uri=f"s3://{ARTIFACT_BUCKET}/churn/missing.json")
    candidate = world.register_package(PENDING, auc=0.91)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "held"
    assert "could not be read (NoSuchKey)" in response["reason"]
    assert world.package(candidate)["ModelApprovalStatus"] == PENDING


@pytest.mark.parametrize(
    ("registration", "reason"),
    [
        ({}, "the model package has no evaluation report"),
        (
            {"report_uri": f"s3://{ARTIFACT_BUCKET}/churn/nothing-here.json"},
            "could not be read (NoSuchKey)",
        ),
        (
            {"report": {"binary_classification_metrics": {"f1": {"value": 0.9}}}},
            "metric 'auc' is not in the evaluation report",
        ),
        (
            {"report": {"binary_classification_metrics": {"auc": {"value": "NaN"}}}},
            "metric 'auc' has no numeric value",
        ),
        ({"report": "{not json"}, "the evaluation report is not valid JSON"),
    ],
)
def test_a_missing_report_or_metric_rejects_with_that_reason(
    world, context_for, registration, reason
):
    candidate = world.register_package(PENDING, **registration)

    response = send_pending(context_for, candidate)

    assert response["decision"] == "rejected"
    assert reason in response["reason"]
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"
    [notification] = world.notifications()
    assert reason in notification["Message"]


@pytest.mark.parametrize(("rmse", "decision"), [(3.1, "approved"), (6.0, "rejected")])
def test_lower_is_better_metrics_use_the_threshold_as_a_ceiling(world, context_for, rmse, decision):
    world.put_policy(
        policy_document(metric={"name": "rmse", "direction": "lower"}, min_threshold=5.0)
    )
    candidate = world.register_package(
        PENDING, report={"regression_metrics": {"rmse": {"value": rmse}, "r2": {"value": 0.7}}}
    )

    response = send_pending(context_for, candidate)

    assert response["decision"] == decision
    if decision == "rejected":
        assert "rmse 6 is above the maximum of 5" in response["reason"]


def test_the_same_event_three_times_gives_one_decision(world, context_for, recorder):
    world.put_policy(policy_document(approval_mode="manual"))
    candidate = world.register_package(PENDING, auc=0.91)
    event_id = str(uuid.uuid4())

    decisions = [send_pending(context_for, candidate, event_id=event_id) for _ in range(3)]

    assert {d["decision"] for d in decisions} == {"held"}
    assert len(recorder.of("sagemaker", "UpdateModelPackage")) == 1
    assert len(world.audit_records()) == 1
    assert len(world.notifications()) == 1


def test_a_package_decided_before_the_gate_ran_is_left_alone(world, context_for, recorder):
    candidate = world.register_package(PENDING, auc=0.91)
    world.set_status(candidate, "Rejected")

    response = send_pending(context_for, candidate)

    assert response["decision"] == "skipped-status-changed"
    assert recorder.of("sagemaker", "UpdateModelPackage") == []
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"
    assert world.notifications() == []
    assert [r["decision"] for r in world.audit_records()] == ["skipped-status-changed"]


def test_events_the_gate_does_not_act_on_change_nothing(world, context_for, recorder):
    approved = world.register_package("Approved", auc=0.91)

    response = gate_handler.handler(package_event("Approved", approved), context_for(FUNCTION))

    assert response["decision"] == "ignored"
    assert recorder.mutations() == []


def test_a_package_of_another_group_is_dropped(world, context_for, recorder):
    event = package_event(PENDING, "arn:aws:sagemaker:us-east-1:123456789012:model-package/x/1")
    event["detail"]["ModelPackageGroupName"] = "someone-elses-models"

    response = gate_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "dropped"
    assert response["reason"].startswith("UnknownProject:")
    assert recorder.mutations() == []


def test_throttled_report_read_fails_before_any_decision(world, context_for):
    # moto cannot be told to throttle: botocore's Stubber answers GetObject on the
    # handler's own S3 client with SlowDown (HTTP 503) instead.
    candidate = world.register_package(PENDING, auc=0.91)
    event = package_event(PENDING, candidate)
    with Stubber(gate_handler.s3) as stub:
        stub.add_client_error("get_object", service_error_code="SlowDown", http_status_code=503)
        with pytest.raises(ClientError, match="SlowDown"):
            gate_handler.handler(event, context_for(FUNCTION))

    package = world.package(candidate)
    assert package["ModelApprovalStatus"] == PENDING
    assert "ApprovalDescription" not in package
    assert world.audit_records() == []
    assert world.notifications() == []
    # No record of the event: only the package's claim, which the retry holds too.
    assert [item["id"] for item in world.table_items(IDEMPOTENCY_TABLE)] == [
        gate_handler.claims.key(candidate)
    ]

    assert gate_handler.handler(event, context_for(FUNCTION))["decision"] == "approved"


def test_a_retry_after_a_throttled_notification_finishes_the_same_decision(
    world, context_for, recorder
):
    # Stubber on the handler's SNS client: Publish throttles after the package was rejected.
    candidate = world.register_package(PENDING, auc=0.60)
    event = package_event(PENDING, candidate)
    with Stubber(gate_handler.sns) as stub:
        stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        with pytest.raises(ClientError, match="Throttling"):
            gate_handler.handler(event, context_for(FUNCTION))
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"
    assert world.audit_records() == []

    retried = gate_handler.handler(event, context_for(FUNCTION))

    assert retried["decision"] == "rejected"
    assert len(recorder.of("sagemaker", "UpdateModelPackage")) == 1
    assert [r["decision"] for r in world.audit_records()] == ["rejected"]
    [notification] = world.notifications()
    assert "below the minimum of 0.75" in notification["Message"]
