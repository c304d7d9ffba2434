"""The deploy trigger against moto: deploys, races, rollbacks, an empty registry, failures."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from loop_common.naming import request_token

from .loop_constants import ACCOUNT, DEPLOY_PIPELINE, GROUP, IDEMPOTENCY_TABLE, STATE_TABLE
from .loop_events import package_event
from .loop_world import deploy_handler

FUNCTION = "deploy-trigger"


def send(context_for, status, package_arn, *, event_id=None):
    """Send the deploy trigger a state change of ``package_arn`` to ``status``."""
    return deploy_handler.handler(
        package_event(status, package_arn, event_id=event_id), context_for(FUNCTION)
    )


def decisions_of(world, event) -> list[str]:
    """The audit decisions recorded for one event."""
    return [r["decision"] for r in world.audit_records() if r["event_id"] == event["id"]]


def approve_and_deploy(world, context_for, auc: float) -> str:
    """Register an approved version and let the deploy trigger deploy it."""
    arn = world.register_package("Approved", auc=auc)
    assert send(context_for, "Approved", arn)["decision"] == "deploy-started"
    return arn


def test_an_approved_version_is_deployed_by_its_exact_arn(world, context_for, recorder):
    arn = world.register_package("Approved", auc=0.91)
    event = package_event("Approved", arn)

    response = deploy_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "deploy-started"
    [run] = world.deploy_runs()
    assert run["variables"] == [{"name": "ModelPackageArn", "resolvedValue": arn}]
    assert response["details"]["deploy_execution_id"] == run["pipelineExecutionId"]
    # moto ignores clientRequestToken; the recorded request shows it was sent.
    [call] = recorder.of("codepipeline", "StartPipelineExecution")
    assert call.params["name"] == DEPLOY_PIPELINE
    assert call.params["clientRequestToken"] == request_token("deploy", event["id"])
    deployed = world.state_item("deployed-version")
    assert deployed is not None
    assert deployed["model_package_arn"] == arn
    assert deployed["deploy_execution_id"] == run["pipelineExecutionId"]
    assert deployed["cause"] == "approved"
    [record] = world.audit_records()
    assert record["decision"] == "deploy-started"
    assert record["result"]["deployed_package_arn"] == arn


def test_the_same_approval_three_times_gives_one_deploy(world, context_for):
    arn = world.register_package("Approved", auc=0.91)
    event_id = str(uuid.uuid4())

    responses = [send(context_for, "Approved", arn, event_id=event_id) for _ in range(3)]

    assert [r.get("replayed", False) for r in responses] == [False, True, True]
    assert world.deployed_arns() == [arn]
    assert len(world.audit_records()) == 1


def test_an_approval_withdrawn_before_handling_deploys_nothing(world, context_for):
    arn = world.register_package("Approved", auc=0.91)
    event = package_event("Approved", arn)
    world.set_status(arn, "Rejected")

    response = deploy_handler.handler(event, context_for(FUNCTION))

    assert response["decision"] == "skipped-status-changed"
    assert world.deploy_runs() == []
    assert world.state_item("deployed-version") is None
    assert [r["decision"] for r in world.audit_records()] == ["skipped-status-changed"]


def test_rejecting_the_deployed_version_rolls_back_to_the_previous_one(world, context_for):
    first = approve_and_deploy(world, context_for, auc=0.90)
    second = approve_and_deploy(world, context_for, auc=0.93)
    world.set_status(second, "Rejected")
    rejection = package_event("Rejected", second)

    response = deploy_handler.handler(rejection, context_for(FUNCTION))

    assert response["decision"] == "rollback-started"
    assert response["details"]["deployed_package_arn"] == first
    assert world.deployed_arns() == [first, second, first]
    deployed = world.state_item("deployed-version")
    assert deployed is not None
    assert (deployed["model_package_arn"], deployed["cause"]) == (first, "rollback")
    assert decisions_of(world, rejection) == ["rollback-started"]


def test_rejecting_the_only_deployed_version_notifies_and_deploys_nothing(world, context_for):
    only = approve_and_deploy(world, context_for, auc=0.90)
    world.set_status(only, "Rejected")
    rejection = package_event("Rejected", only)

    response = deploy_handler.handler(rejection, context_for(FUNCTION))

    assert response["decision"] == "rollback-impossible"
    assert world.deployed_arns() == [only]
    [notification] = world.notifications()
    assert notification["Subject"] == "CD4ML: churn has no approved model to roll back to"
    assert "no other approved version exists to roll back to" in notification["Message"]
    assert decisions_of(world, rejection) == ["rollback-impossible"]


def test_rejecting_a_version_that_is_not_deployed_changes_nothing(world, context_for, recorder):
    deployed = approve_and_deploy(world, context_for, auc=0.90)
    other = world.register_package("Rejected", auc=0.60)
    calls_before = len(recorder.mutations())

    response = send(context_for, "Rejected", other)

    assert response["decision"] == "ignored"
    assert world.deployed_arns() == [deployed]
    # Only the idempotency record of the event and the project's deploy lock are written.
    writes = recorder.mutations()[calls_before:]
    assert {c.operation for c in writes} <= {"PutItem", "UpdateItem", "DeleteItem"}
    state_writes = [c for c in writes if c.params.get("TableName") == STATE_TABLE]
    assert {
        c.params["Key"]["sk"]["S"] if "Key" in c.params else c.params["Item"]["sk"]["S"]
        for c in state_writes
    } == {"deploy-lock"}
    assert len(world.audit_records()) == 1


def test_a_version_approved_again_before_the_rollback_ran_is_not_rolled_back(world, context_for):
    approve_and_deploy(world, context_for, auc=0.90)
    second = approve_and_deploy(world, context_for, auc=0.93)
    # The rejection event is handled late: the version was approved again meanwhile.

    response = send(context_for, "Rejected", second)

    assert response["decision"] == "skipped-status-changed"
    assert len(world.deploy_runs()) == 2


def test_an_empty_registry_is_not_an_error(world, context_for):
    missing = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{GROUP}/7"

    approved = send(context_for, "Approved", missing)
    rejected = send(context_for, "Rejected", missing)

    assert approved["decision"] == "skipped-status-changed"
    assert "gone" in approved["reason"]
    assert rejected["decision"] == "ignored"
    assert world.deploy_runs() == []


def test_pending_packages_are_not_the_deploy_triggers_business(world, context_for, recorder):
    arn = world.register_package("PendingManualApproval", auc=0.91)

    response = send(context_for, "PendingManualApproval", arn)

    assert response["decision"] == "ignored"
    assert recorder.mutations() == []


def test_throttled_deploy_start_records_nothing_and_the_retry_deploys_once(world, context_for):
    # moto cannot be told to throttle: botocore's Stubber answers StartPipelineExecution
    # on the handler's own CodePipeline client with a ThrottlingException instead.
    arn = world.register_package("Approved", auc=0.91)
    event = package_event("Approved", arn)
    with Stubber(deploy_handler.codepipeline) as stub:
        stub.add_client_error(
            "start_pipeline_execution",
            service_error_code="ThrottlingException",
            http_status_code=400,
        )
        with pytest.raises(ClientError, match="ThrottlingException"):
            deploy_handler.handler(event, context_for(FUNCTION))

    assert world.deploy_runs() == []
    assert world.state_item("deployed-version") is None
    assert world.audit_records() == []
    assert world.table_items(IDEMPOTENCY_TABLE) == []

    assert deploy_handler.handler(event, context_for(FUNCTION))["decision"] == "deploy-started"
    assert world.deployed_arns() == [arn]
