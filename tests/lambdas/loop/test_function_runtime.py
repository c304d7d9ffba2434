"""What the three loop functions share at run time: idempotency keys, logs, package decisions."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest

from loop_common.audit import AuditRecord
from loop_common.function_runtime import log_keys
from loop_common.outcome import Decision
from loop_common.package_decision import MODEL_PACKAGE_TRIGGER, record_package_decision
from loop_common.package_events import ModelPackageChange
from retrain_trigger.logic import BuildRunEnded

from .loop_constants import GROUP, IDEMPOTENCY_TABLE
from .loop_events import load_event, package_event
from .loop_world import deploy_handler, gate_handler, retrain_handler

PACKAGE_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:model-package/{GROUP}/3"
OCCURRED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def idempotency_key(function: str, event_id: str) -> str:
    """The record id Powertools wrote before the functions shared a runtime."""
    return f"{function}#{hashlib.md5(json.dumps(event_id).encode()).hexdigest()}"


def package_change(status: str = "Approved") -> ModelPackageChange:
    """A change of version 3 of the ``churn`` group."""
    return ModelPackageChange(
        event_id="event-1",
        occurred_at=OCCURRED_AT,
        project="churn",
        group=GROUP,
        package_arn=PACKAGE_ARN,
        version=3,
        approval_status=status,
    )


class RecordingAuditTrail:
    """Keeps the records it is given, as the audit trail would write them."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def record(self, record: AuditRecord, *, recorded_at: datetime) -> bool:
        self.records.append(record)
        return True


@pytest.mark.parametrize(
    ("module", "function"),
    [
        (retrain_handler, "retrain-trigger"),
        (gate_handler, "quality-gate"),
        (deploy_handler, "deploy-trigger"),
    ],
)
def test_each_function_names_its_logs_metrics_and_idempotency_records(module, function):
    assert module.runtime.function_name == function
    assert module.runtime.logger.service == function
    assert module.runtime.metrics.service == function
    assert module.runtime.persistence_store.table_name == IDEMPOTENCY_TABLE


def test_idempotency_records_keep_the_key_of_each_function(world, context_for):
    drift = load_event("drift_alarm_state_change", id=str(uuid.uuid4()))
    pending = package_event(
        "PendingManualApproval", world.register_package("PendingManualApproval", auc=0.91)
    )
    approved_arn = world.register_package("Approved", auc=0.92)
    approved = package_event("Approved", approved_arn)

    assert retrain_handler.handler(drift, context_for("retrain-trigger"))["decision"] == (
        "retrain-started"
    )
    gate_handler.handler(pending, context_for("quality-gate"))
    assert deploy_handler.handler(approved, context_for("deploy-trigger"))["decision"] == (
        "deploy-started"
    )

    event_records = {
        item["id"] for item in world.table_items(IDEMPOTENCY_TABLE) if "#package#" not in item["id"]
    }
    assert event_records == {
        idempotency_key("retrain-trigger", drift["id"]),
        idempotency_key("quality-gate", pending["id"]),
        idempotency_key("deploy-trigger", approved["id"]),
    }


def test_an_ignored_package_change_names_its_project_and_an_ignored_retrain_event_does_not(
    world, context_for
):
    approved = package_event("Approved", world.register_package("Approved", auc=0.91))
    back_to_ok = load_event("drift_alarm_state_change", id=str(uuid.uuid4()))
    back_to_ok["detail"]["state"]["value"] = "OK"

    gate_response = gate_handler.handler(approved, context_for("quality-gate"))
    retrain_response = retrain_handler.handler(back_to_ok, context_for("retrain-trigger"))

    assert (gate_response["decision"], gate_response["project"]) == ("ignored", "churn")
    assert (retrain_response["decision"], retrain_response["project"]) == ("ignored", None)
    assert world.table_items(IDEMPOTENCY_TABLE) == []


def test_log_keys_name_the_project_and_a_changed_package():
    ended = BuildRunEnded(
        event_id="event-1",
        occurred_at=OCCURRED_AT,
        project="churn",
        pipeline_execution_arn="arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/x",
        status="Succeeded",
    )

    assert log_keys(ended) == {"project": "churn"}
    assert log_keys(package_change()) == {"project": "churn", "model_package_arn": PACKAGE_ARN}


def test_a_package_decision_is_recorded_and_returned_with_its_set_results_as_text():
    audit = RecordingAuditTrail()

    outcome = record_package_decision(
        package_change(),
        function="quality-gate",
        decision=Decision.HELD,
        reason="manual approval mode",
        inputs={"value": 0.91},
        result={"model_approval_status": "PendingManualApproval", "version": 3, "gone": None},
        audit=audit,  # type: ignore[arg-type]
        now=OCCURRED_AT,
    )

    [record] = audit.records
    assert (record.function, record.trigger, record.decision) == (
        "quality-gate",
        MODEL_PACKAGE_TRIGGER,
        "held",
    )
    assert (record.project, record.event_id, record.occurred_at) == (
        "churn",
        "event-1",
        OCCURRED_AT,
    )
    assert dict(record.result) == {
        "model_approval_status": "PendingManualApproval",
        "version": 3,
        "gone": None,
    }
    assert outcome.as_response() == {
        "decision": "held",
        "reason": "manual approval mode",
        "project": "churn",
        "details": {
            "model_package_arn": PACKAGE_ARN,
            "model_approval_status": "PendingManualApproval",
            "version": "3",
        },
    }
