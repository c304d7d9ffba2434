"""The deploy trigger under late, reordered and concurrent events: production never goes back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from deploy_trigger.deploy_lock import ProjectBusy, deploy_lock

from ..metric_lines import metrics_of
from .interleaving import in_thread, on_call, together
from .left_behind import leave_lapsed_item
from .loop_constants import PROJECT, STATE_TABLE
from .loop_events import package_event
from .loop_world import deploy_handler

FUNCTION = "deploy-trigger"


def deploys(world) -> list[str]:
    """The packages sent to the deploy pipeline, oldest first (moto lists newest first)."""
    return world.deployed_arns()[::-1]


def approved(world, context_for, auc: float) -> tuple[str, dict]:
    """Register an approved version, deploy it, and return its ARN and approval event."""
    arn = world.register_package("Approved", auc=auc)
    event = package_event("Approved", arn)
    assert deploy_handler.handler(event, context_for(FUNCTION))["decision"] == "deploy-started"
    return arn, event


def test_a_late_approval_of_an_older_version_never_deploys_over_the_newer_one(world, context_for):
    old, _ = approved(world, context_for, auc=0.88)
    new, _ = approved(world, context_for, auc=0.91)

    # A person approves the old version again, or its approval is redriven late.
    late = deploy_handler.handler(package_event("Approved", old), context_for(FUNCTION))

    assert late["decision"] == "skipped-superseded"
    assert "never goes back" in late["reason"]
    assert deploys(world) == [old, new]
    assert world.state_item("deployed-version")["model_package_arn"] == new
    assert "skipped-superseded" in [r["decision"] for r in world.audit_records()]


def test_the_same_version_approved_twice_is_deployed_once(world, context_for):
    arn, _ = approved(world, context_for, auc=0.9)

    again = deploy_handler.handler(package_event("Approved", arn), context_for(FUNCTION))

    assert again["decision"] == "skipped-already-deployed"
    assert deploys(world) == [arn]


@pytest.mark.parametrize("moment", ["before-call", "after-call"])
def test_a_rejection_while_the_deploy_starts_still_rolls_back(world, context_for, moment):
    previous, _ = approved(world, context_for, auc=0.88)
    candidate = world.register_package("Approved", auc=0.91)
    rejection: dict = {}

    def person_rejects(**_: object) -> None:
        # A person rejects the version while its deploy is starting; the deploy
        # trigger handles the rejection at once, in another invocation.
        world.set_status(candidate, "Rejected")
        event = package_event("Rejected", candidate)
        rejection["thread"], rejection["outcome"] = in_thread(
            lambda: deploy_handler.handler(event, context_for(FUNCTION))
        )

    with on_call(
        deploy_handler.codepipeline, f"{moment}.codepipeline.StartPipelineExecution", person_rejects
    ):
        started = deploy_handler.handler(
            package_event("Approved", candidate), context_for(FUNCTION)
        )
    rejection["thread"].join(timeout=60)

    assert started["decision"] == "deploy-started"
    assert rejection["outcome"]["result"]["decision"] == "rollback-started"
    assert deploys(world) == [previous, candidate, previous]
    deployed = world.state_item("deployed-version")
    assert (deployed["model_package_arn"], deployed["cause"]) == (previous, "rollback")


def test_two_approvals_at_once_deploy_and_record_the_version_that_reaches_production(
    world, context_for
):
    older = world.register_package("Approved", auc=0.88)
    newer = world.register_package("Approved", auc=0.91)
    newer_done = threading.Event()

    def older_waits_for_newer(params: dict, **_: object) -> None:
        # Without serialisation the older deploy would start last and win.
        variables = {v["name"]: v["value"] for v in params.get("variables", [])}
        if variables.get("ModelPackageArn") == older:
            newer_done.wait(timeout=5)

    def send(arn: str) -> dict:
        try:
            return deploy_handler.handler(package_event("Approved", arn), context_for(FUNCTION))
        finally:
            if arn == newer:
                newer_done.set()

    with on_call(
        deploy_handler.codepipeline,
        "before-call.codepipeline.StartPipelineExecution",
        older_waits_for_newer,
        once=False,
    ):
        outcomes = together(lambda: send(older), lambda: send(newer))

    assert all("error" not in outcome for outcome in outcomes)
    deployed = deploys(world)
    assert deployed[-1] == newer
    assert older not in deployed
    assert world.state_item("deployed-version")["model_package_arn"] == newer


def test_a_deploy_lock_left_by_an_invocation_that_died_lapses_and_the_next_approval_deploys(
    world, context_for, capsys
):
    # An invocation that timed out while it held the lock never gave it back.
    leave_lapsed_item(
        world, "deploy-lock", holder_event_id="timed-out-invocation", lapsed_seconds_ago=1
    )
    arn = world.register_package("Approved", auc=0.9)

    response = deploy_handler.handler(package_event("Approved", arn), context_for(FUNCTION))

    assert response["decision"] == "deploy-started"
    assert deploys(world) == [arn]
    assert world.state_item("deploy-lock") is None
    # Its own metric, with the service dimension only: what the loop's alarm watches.
    assert sorted(metrics_of(capsys.readouterr().out)) == [
        ("Decisions", {"service": FUNCTION, "decision": "deploy-started"}),
        ("LapsedDeployLocks", {"service": FUNCTION}),
    ]


def test_a_free_lock_or_the_events_own_lock_is_no_lapse(world, context_for, capsys):
    arn = world.register_package("Approved", auc=0.9)
    event = package_event("Approved", arn)
    # A retried invocation of the same event finds the lock its first attempt left.
    leave_lapsed_item(world, "deploy-lock", holder_event_id=event["id"], lapsed_seconds_ago=1)

    assert deploy_handler.handler(event, context_for(FUNCTION))["decision"] == "deploy-started"
    newer = world.register_package("Approved", auc=0.91)
    second = deploy_handler.handler(package_event("Approved", newer), context_for(FUNCTION))

    assert second["decision"] == "deploy-started"
    assert [name for name, _ in metrics_of(capsys.readouterr().out)] == ["Decisions"] * 2


def test_an_unexpired_lock_of_another_event_is_waited_for_not_taken(world, context_for):
    live = datetime.now(UTC) + timedelta(seconds=30)
    world.dynamodb.put_item(
        TableName=STATE_TABLE,
        Item={
            "pk": {"S": f"project#{PROJECT}"},
            "sk": {"S": "deploy-lock"},
            "holder_event_id": {"S": "busy-invocation"},
            "expires_at": {"N": str(int(live.timestamp()))},
        },
    )
    state = deploy_handler.state

    waited = deploy_lock(state, PROJECT, "next-event", wait_seconds=0.0, sleep=lambda _: None)
    with pytest.raises(ProjectBusy), waited:
        pass

    assert world.state_item("deploy-lock")["holder_event_id"] == "busy-invocation"
