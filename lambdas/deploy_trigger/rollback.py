"""Roll back a rejected version that is the deployed one to the newest other approved version."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from deploy_trigger.deploy_lock import deploy_lock
from deploy_trigger.sending import send_version
from loop_common.audit import AuditTrail, AuditValue, decision_id
from loop_common.deploy_state import NOT_STARTED, DeployedVersion, DeployState
from loop_common.model_registry import REJECTED, ModelRegistry
from loop_common.naming import request_token
from loop_common.notifications import Notifier
from loop_common.outcome import Decision, Outcome
from loop_common.package_decision import record_package_decision
from loop_common.package_events import ModelPackageChange
from loop_common.policy import ProjectPolicy

if TYPE_CHECKING:
    from botocore.client import BaseClient

FUNCTION_NAME = "deploy-trigger"

_record = functools.partial(record_package_decision, function=FUNCTION_NAME)


def roll_back_rejected(
    change: ModelPackageChange,
    *,
    policy: ProjectPolicy,
    registry: ModelRegistry,
    codepipeline: BaseClient,
    state: DeployState,
    notifier: Notifier,
    audit: AuditTrail,
    now: datetime,
) -> Outcome:
    """If the rejected package is the deployed one, deploy the newest other approved version."""
    with deploy_lock(state, change.project, change.event_id):
        return _roll_back_rejected(
            change,
            policy=policy,
            registry=registry,
            codepipeline=codepipeline,
            state=state,
            notifier=notifier,
            audit=audit,
            now=now,
        )


def _roll_back_rejected(
    change: ModelPackageChange,
    *,
    policy: ProjectPolicy,
    registry: ModelRegistry,
    codepipeline: BaseClient,
    state: DeployState,
    notifier: Notifier,
    audit: AuditTrail,
    now: datetime,
) -> Outcome:
    deployed = state.deployed_version(change.project)
    inputs: dict[str, AuditValue] = {
        "package_arn": change.package_arn,
        "event_status": change.approval_status,
        "deployed_package_arn": deployed.model_package_arn if deployed else None,
    }
    token = request_token("rollback", change.event_id)
    if deployed is not None and deployed.event_id == change.event_id:
        # A retry of this event after its rollback was recorded: make sure it started.
        sent = send_version(
            state,
            codepipeline,
            project=change.project,
            pipeline=policy.deploy_pipeline,
            version=deployed,
            previous=deployed,
            token=token,
        )
        return _rollback_started(change, audit, now, inputs, policy, sent)
    if deployed is None or deployed.model_package_arn != change.package_arn:
        return Outcome(
            Decision.IGNORED,
            "the rejected version is not the deployed one; nothing to roll back",
            project=change.project,
        )
    package = registry.describe(change.package_arn)
    if package is not None and package.approval_status != REJECTED:
        inputs["current_status"] = package.approval_status
        return _record(
            change,
            audit,
            now,
            Decision.SKIPPED_STATUS_CHANGED,
            f"the package is {package.approval_status} again; no rollback",
            inputs,
        )
    previous = registry.latest_approved(change.group, excluding=change.package_arn)
    if previous is None:
        message_id = notifier.notify(
            policy.notification_topic_arn,
            subject=f"CD4ML: {change.project} has no approved model to roll back to",
            message=_no_rollback_message(change, policy),
            attributes={"project": change.project, "decision": Decision.ROLLBACK_IMPOSSIBLE.value},
        )
        return _record(
            change,
            audit,
            now,
            Decision.ROLLBACK_IMPOSSIBLE,
            f"deployed version {change.version} was rejected and no other approved version "
            "exists; nothing was redeployed",
            inputs,
            {"notification_message_id": message_id},
        )
    sent = send_version(
        state,
        codepipeline,
        project=change.project,
        pipeline=policy.deploy_pipeline,
        version=DeployedVersion(
            model_package_arn=previous.arn,
            model_package_version=previous.version,
            deploy_execution_id=NOT_STARTED,
            event_id=change.event_id,
            cause="rollback",
            requested_at=now,
        ),
        previous=deployed,
        token=token,
    )
    return _rollback_started(change, audit, now, inputs, policy, sent)


def _rollback_started(
    change: ModelPackageChange,
    audit: AuditTrail,
    now: datetime,
    inputs: dict[str, AuditValue],
    policy: ProjectPolicy,
    rolled_back: DeployedVersion,
) -> Outcome:
    return _record(
        change,
        audit,
        now,
        Decision.ROLLBACK_STARTED,
        f"deployed version {change.version} was rejected; rolling back to version "
        f"{rolled_back.model_package_version}",
        inputs,
        {
            "deploy_pipeline": policy.deploy_pipeline,
            "deploy_execution_id": rolled_back.deploy_execution_id,
            "deployed_package_arn": rolled_back.model_package_arn,
        },
    )


def _no_rollback_message(change: ModelPackageChange, policy: ProjectPolicy) -> str:
    return "\n".join(
        [
            f"Model version {change.version} of project {change.project} was rejected while it "
            "was the deployed version, and no other approved version exists to roll back to.",
            "",
            "Nothing was redeployed: the endpoints keep serving the rejected version until a "
            "new version is approved (which deploys it) or the endpoints are changed by hand.",
            "",
            f"Rejected model package: {change.package_arn}",
            f"Deploy pipeline: {policy.deploy_pipeline}",
            f"Team: {policy.team}",
            f"Audit record: project {change.project}, decision "
            f"{decision_id(change.occurred_at, change.event_id)}",
        ]
    )
