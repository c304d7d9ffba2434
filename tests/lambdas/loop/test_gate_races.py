"""The quality gate against people, duplicates and reports that cannot be right."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from loop_common.audit import AuditRecord
from loop_common.policy import PolicyError

from .interleaving import on_call
from .loop_constants import ACCOUNT, PREFIX, REGION
from .loop_events import package_event, policy_document
from .loop_world import gate_handler

FUNCTION = "quality-gate"
PENDING = "PendingManualApproval"


def judge(context_for, arn: str, event: dict | None = None) -> dict:
    """Send the gate a PendingManualApproval event for ``arn``."""
    return gate_handler.handler(event or package_event(PENDING, arn), context_for(FUNCTION))


def test_a_person_deciding_while_the_gate_gathers_evidence_keeps_their_decision(world, context_for):
    candidate = world.register_package(PENDING, auc=0.91)

    def person_rejects(**_: object) -> None:
        world.sagemaker.update_model_package(
            ModelPackageArn=candidate,
            ModelApprovalStatus="Rejected",
            ApprovalDescription="rejected by a model approver",
        )

    with on_call(gate_handler.s3, "before-call.s3.GetObject", person_rejects):
        response = judge(context_for, candidate)

    assert response["decision"] == "skipped-human-decided"
    package = world.package(candidate)
    assert package["ModelApprovalStatus"] == "Rejected"
    assert package["ApprovalDescription"] == "rejected by a model approver"
    [record] = world.audit_records()
    assert record["decision"] == "skipped-human-decided"
    assert record["inputs"]["gate_verdict"] == "approved"
    assert record["inputs"]["current_status"] == "Rejected"


def test_a_retry_after_a_person_overrode_the_gate_reports_the_persons_decision(world, context_for):
    candidate = world.register_package(PENDING, auc=0.60)
    event = package_event(PENDING, candidate)
    with Stubber(gate_handler.sns) as stub:
        stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        with pytest.raises(ClientError):
            judge(context_for, candidate, event)
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"
    # A person overrides the gate; SageMaker keeps the description beside the status.
    world.sagemaker.update_model_package(
        ModelPackageArn=candidate,
        ModelApprovalStatus="Approved",
        ApprovalDescription=world.package(candidate)["ApprovalDescription"],
    )

    retried = judge(context_for, candidate, event)

    assert retried["decision"] == "skipped-human-decided"
    assert "Approved" in retried["reason"]
    assert world.notifications() == []


def test_two_events_for_one_package_give_one_decision(world, context_for, recorder):
    world.put_policy(policy_document(approval_mode="manual"))
    candidate = world.register_package(PENDING, auc=0.91)
    second: dict = {}

    def second_event_arrives(**_: object) -> None:
        second["response"] = judge(context_for, candidate)

    with on_call(gate_handler.s3, "before-call.s3.GetObject", second_event_arrives):
        first = judge(context_for, candidate)

    assert first["decision"] == "held"
    assert second["response"]["decision"] == "ignored"
    assert len(recorder.of("sagemaker", "UpdateModelPackage")) == 1
    assert len(recorder.of("sns", "Publish")) == 1
    assert [r["decision"] for r in world.audit_records()] == ["held"]


@pytest.mark.parametrize(
    ("metric", "direction", "value", "threshold"),
    [("auc", "higher", 1.3, 0.75), ("rmse", "lower", -0.2, 5.0)],
)
def test_a_metric_that_cannot_be_true_is_rejected(
    world, context_for, metric, direction, value, threshold
):
    world.put_policy(
        policy_document(metric={"name": metric, "direction": direction}, min_threshold=threshold)
    )
    report = {"regression_metrics": {metric: {"value": value}}}
    candidate = world.register_package(PENDING, report=report)

    response = judge(context_for, candidate)

    assert response["decision"] == "rejected"
    assert "outside the metric's valid range" in response["reason"]
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"


def test_a_policy_can_narrow_a_metrics_valid_range(world, context_for):
    metric = {"name": "auc", "direction": "higher", "valid_min": 0.5, "valid_max": 0.99}
    world.put_policy(policy_document(metric=metric))
    candidate = world.register_package(PENDING, auc=0.995)

    assert judge(context_for, candidate)["decision"] == "rejected"


def test_a_champion_with_an_impossible_metric_is_never_compared_with(world, context_for):
    world.register_package("Approved", auc=1.5)
    candidate = world.register_package(PENDING, auc=0.9)

    response = judge(context_for, candidate)

    assert response["decision"] == "held"
    assert "valid range" in response["reason"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"m": ' * 10_000 + "{}" + "}" * 10_000, "nested"),
        ('{"m": {"auc": {"value": ' + "9" * 400 + "}}}", "400-digit"),
        ('{"m": {"auc": {"value": 1e400}}}', "inf"),
    ],
)
def test_an_absurd_report_is_a_rejection_with_a_reason(world, context_for, body, problem):
    candidate = world.register_package(PENDING, report=body)

    response = judge(context_for, candidate)

    assert response["decision"] == "rejected"
    assert problem in response["reason"]
    assert world.package(candidate)["ModelApprovalStatus"] == "Rejected"


@pytest.mark.parametrize("value", [1e-140, -1e130, 1e130])
def test_metrics_dynamodb_cannot_store_still_get_their_audit_record(world, context_for, value):
    world.put_policy(policy_document(metric={"name": "margin", "direction": "higher"}))
    candidate = world.register_package(PENDING, report={"m": {"margin": {"value": value}}})

    response = judge(context_for, candidate)

    [record] = world.audit_records()
    assert record["decision"] == response["decision"]
    assert record["inputs"]["value"] == repr(value)


def test_audit_numbers_within_dynamodb_range_stay_numbers():
    record = AuditRecord(
        project="churn",
        event_id="e",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        function=FUNCTION,
        trigger="model-package",
        decision="approved",
        reason="r",
        inputs={"small": 1e-140, "fine": 0.25, "huge": 10**40},
    )
    inputs = record.to_item(datetime(2026, 1, 1, tzinfo=UTC))["inputs"]["M"]
    assert inputs["small"] == {"S": "1e-140"}
    assert inputs["fine"] == {"N": "0.25"}
    assert inputs["huge"] == {"S": str(10**40)}


def test_a_policy_pointing_at_another_projects_topic_is_refused(world, context_for, capsys):
    other_topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-fraud-notifications"
    world.put_policy(policy_document(notification_topic_arn=other_topic))
    candidate = world.register_package(PENDING, auc=0.91)

    with pytest.raises(PolicyError, match="notification_topic_arn"):
        judge(context_for, candidate)

    assert world.package(candidate)["ModelApprovalStatus"] == PENDING
    output = capsys.readouterr().out
    assert '"FailedEvents"' in output
    assert '"error":"PolicyError"' in output


def test_a_policy_with_a_topic_in_another_account_is_refused(world, context_for):
    foreign = f"arn:aws:sns:{REGION}:999999999999:{PREFIX}-churn-notifications"
    world.put_policy(policy_document(notification_topic_arn=foreign))
    candidate = world.register_package(PENDING, auc=0.91)

    with pytest.raises(PolicyError, match="not in account"):
        judge(context_for, candidate)
    assert world.package(candidate)["ModelApprovalStatus"] == PENDING
