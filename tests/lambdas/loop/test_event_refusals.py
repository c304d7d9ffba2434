"""Each handler refuses what is not its own business, counts it, and touches nothing.

Foreign accounts, packages outside the environment's groups, fields of the wrong
type or over AWS's documented lengths are dropped (``DroppedEvents``, dimension
``reason``); a status change the function does not act on is ignored
(``IgnoredEvents``). In every case the handler sends no request that changes
anything, and the metric is the invocation's only one.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ..metric_lines import metrics_of
from .loop_constants import ACCOUNT, GROUP, PREFIX, REGION
from .loop_events import load_event, package_event
from .loop_world import deploy_handler, gate_handler, retrain_handler

HANDLERS = {
    "retrain-trigger": retrain_handler,
    "quality-gate": gate_handler,
    "deploy-trigger": deploy_handler,
}
SAMPLES = {
    "retrain-trigger": "drift_alarm_state_change",
    "quality-gate": "model_package_pending_approval",
    "deploy-trigger": "model_package_approved",
}
OTHER_GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/other-team-churn/1"


def sample(function: str, **top_level: Any) -> dict[str, Any]:
    return load_event(SAMPLES[function], **{"id": str(uuid.uuid4()), **top_level})


def with_detail(function: str, **fields: Any) -> dict[str, Any]:
    event = sample(function)
    event["detail"].update(fields)
    return event


def package(status: str, arn: str | None = None, **fields: Any) -> dict[str, Any]:
    event = package_event(
        status, arn or f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/1"
    )
    event["detail"].update(fields)
    return event


DROPPED = [
    (
        "retrain-trigger",
        lambda: sample("retrain-trigger", account="210987654321"),
        "ForeignAccount",
    ),
    ("quality-gate", lambda: sample("quality-gate", account="210987654321"), "ForeignAccount"),
    ("deploy-trigger", lambda: sample("deploy-trigger", account="210987654321"), "ForeignAccount"),
    (
        "quality-gate",
        lambda: package(
            "PendingManualApproval", OTHER_GROUP_ARN, ModelPackageGroupName="other-team-churn"
        ),
        "UnknownProject",
    ),
    (
        "deploy-trigger",
        lambda: package("Approved", OTHER_GROUP_ARN, ModelPackageGroupName="other-team-churn"),
        "UnknownProject",
    ),
    (
        "deploy-trigger",
        lambda: package(
            "Approved", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{PREFIX}-other/1"
        ),
        "MalformedDetail",
    ),
    # Wrong types: a number where AWS sends text, text where it sends an object.
    ("retrain-trigger", lambda: with_detail("retrain-trigger", alarmName=42), "MalformedDetail"),
    ("retrain-trigger", lambda: with_detail("retrain-trigger", state="ALARM"), "MalformedDetail"),
    (
        "quality-gate",
        lambda: package("PendingManualApproval", ModelPackageGroupName=[GROUP]),
        "MalformedDetail",
    ),
    ("deploy-trigger", lambda: package("Approved", ModelApprovalStatus=True), "MalformedDetail"),
    ("deploy-trigger", lambda: sample("deploy-trigger", account=123456789012), "MalformedEvent"),
    # Over AWS's documented lengths: alarm names 255, group names 63, ARNs 2048, event ids 128.
    (
        "retrain-trigger",
        lambda: with_detail("retrain-trigger", alarmName=f"{PREFIX}-churn-" + "d" * 250),
        "MalformedDetail",
    ),
    (
        "quality-gate",
        lambda: package("PendingManualApproval", ModelPackageGroupName=GROUP + "x" * 64),
        "MalformedDetail",
    ),
    (
        "deploy-trigger",
        lambda: package(
            "Approved",
            ModelPackageArn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/"
            + "1" * 2048,
        ),
        "MalformedDetail",
    ),
    ("quality-gate", lambda: sample("quality-gate", id="e" * 129), "MalformedEvent"),
]


DROPPED_IDS = [
    "retrain-foreign-account",
    "gate-foreign-account",
    "deploy-foreign-account",
    "gate-group-of-no-environment",
    "deploy-group-of-no-environment",
    "deploy-arn-outside-its-group",
    "retrain-alarm-name-a-number",
    "retrain-state-a-string",
    "gate-group-a-list",
    "deploy-status-a-boolean",
    "deploy-account-a-number",
    "retrain-alarm-name-256",
    "gate-group-name-over-63",
    "deploy-arn-over-2048",
    "gate-event-id-129",
]


@pytest.mark.parametrize(("function", "build", "reason"), DROPPED, ids=DROPPED_IDS)
def test_refused_events_are_counted_by_reason_and_change_nothing(
    world, context_for, recorder, capsys, function, build, reason
):
    response = HANDLERS[function].handler(build(), context_for(function))

    assert response["decision"] == "dropped"
    assert response["reason"].startswith(f"{reason}:")
    assert recorder.mutations() == []
    assert metrics_of(capsys.readouterr().out) == [
        ("DroppedEvents", {"service": function, "reason": reason})
    ]


@pytest.mark.parametrize(
    ("function", "status", "reason"),
    [
        ("quality-gate", "Approved", "NotPendingApproval"),
        ("quality-gate", "Rejected", "NotPendingApproval"),
        ("deploy-trigger", "PendingManualApproval", "NotApprovedOrRejected"),
    ],
)
def test_a_status_change_the_function_does_not_act_on_is_counted_and_changes_nothing(
    world, context_for, recorder, capsys, function, status, reason
):
    arn = world.register_package(status, auc=0.91)

    response = HANDLERS[function].handler(package_event(status, arn), context_for(function))

    assert response["decision"] == "ignored"
    assert recorder.mutations() == []
    assert metrics_of(capsys.readouterr().out) == [
        ("IgnoredEvents", {"service": function, "reason": reason})
    ]
