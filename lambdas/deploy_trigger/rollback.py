"""Roll back a rejected version that is the deployed one to the newest other approved version."""

from __future__ import annotations

from deploy_trigger.deploy_context import DeployContext, under_deploy_lock
from loop_common.audit import AuditValue, decision_id
from loop_common.deploy_state import DeployedVersion
from loop_common.model_registry import REJECTED
from loop_common.naming import request_token
from loop_common.outcome import Decision, Outcome
from loop_common.package_events import ModelPackageChange
from loop_common.policy import ProjectPolicy


@under_deploy_lock
def roll_back_rejected(change: ModelPackageChange, context: DeployContext) -> Outcome:
    """If the rejected package is the deployed one, deploy the newest other approved version."""
    deployed = context.state.deployed_version(change.project)
    inputs: dict[str, AuditValue] = {
        "package_arn": change.package_arn,
        "event_status": change.approval_status,
        "deployed_package_arn": deployed.model_package_arn if deployed else None,
    }
    token = request_token("rollback", change.event_id)
    if deployed is not None and deployed.event_id == change.event_id:
        # A retry of this event after its rollback was recorded: make sure it started.
        sent = context.send(change, deployed, previous=deployed, token=token)
        return _rollback_started(change, context, inputs, sent)
    if deployed is None or deployed.model_package_arn != change.package_arn:
        return Outcome(
            Decision.IGNORED,
            "the rejected version is not the deployed one; nothing to roll back",
            project=change.project,
        )
    package = context.registry.describe(change.package_arn)
    if package is not None and package.approval_status != REJECTED:
        inputs["current_status"] = package.approval_status
        return context.record(
            change,
            Decision.SKIPPED_STATUS_CHANGED,
            f"the package is {package.approval_status} again; no rollback",
            inputs,
        )
    previous = context.registry.latest_approved(change.group, excluding=change.package_arn)
    if previous is None:
        message_id = context.notifier.notify(
            context.policy.notification_topic_arn,
            subject=f"CD4ML: {change.project} has no approved model to roll back to",
            message=_no_rollback_message(change, context.policy),
            attributes={"project": change.project, "decision": Decision.ROLLBACK_IMPOSSIBLE.value},
        )
        return context.record(
            change,
            Decision.ROLLBACK_IMPOSSIBLE,
            f"deployed version {change.version} was rejected and no other approved version "
            "exists; nothing was redeployed",
            inputs,
            {"notification_message_id": message_id},
        )
    sent = context.send(
        change, context.version_of(change, previous, "rollback"), previous=deployed, token=token
    )
    return _rollback_started(change, context, inputs, sent)


def _rollback_started(
    change: ModelPackageChange,
    context: DeployContext,
    inputs: dict[str, AuditValue],
    rolled_back: DeployedVersion,
) -> Outcome:
    return context.record(
        change,
        Decision.ROLLBACK_STARTED,
        f"deployed version {change.version} was rejected; rolling back to version "
        f"{rolled_back.model_package_version}",
        inputs,
        context.started(rolled_back),
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
