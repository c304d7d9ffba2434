"""Start the model-deploy pipeline for an approved version, or roll back a rejected one.

Every deploy and rollback of a project happens under the project's deploy lock
(``loop_common.deploy_state``), so two events handled at the same moment act
one after the other. On ``Approved``, the package is described again and
deployed only if it is still Approved and is the newest Approved version of its
group: production never goes back to an older version because its approval
arrived late or was redriven (to go back, reject the newer versions: each
rejection of the deployed version rolls back to the newest remaining approved
one, recorded in the audit trail). On ``Rejected`` of the version that was last
sent to the deploy pipeline, the newest other Approved version is deployed
instead; when there is none, the team is told and nothing is deployed.

The deployed-version record is written before the deploy pipeline starts, so a
rejection handled after the start always finds the version it must roll back;
a definite refusal to start puts the previous record back.
"""

from __future__ import annotations

from deploy_trigger.deploy_context import FUNCTION_NAME, DeployContext, under_deploy_lock
from deploy_trigger.deploy_lock import ProjectBusy
from deploy_trigger.rollback import roll_back_rejected
from deploy_trigger.sending import MODEL_PACKAGE_VARIABLE, start_deploy
from loop_common.audit import AuditValue
from loop_common.deploy_state import NOT_STARTED, DeployedVersion
from loop_common.model_registry import APPROVED, ModelPackage
from loop_common.naming import request_token
from loop_common.outcome import Decision, Outcome
from loop_common.package_events import ModelPackageChange

__all__ = [
    "FUNCTION_NAME",
    "MODEL_PACKAGE_VARIABLE",
    "DeployContext",
    "ProjectBusy",
    "deploy_approved",
    "roll_back_rejected",
    "start_deploy",
]


@under_deploy_lock
def deploy_approved(change: ModelPackageChange, context: DeployContext) -> Outcome:
    """Deploy the package the event says was approved, if it still is and is the newest."""
    package = context.registry.describe(change.package_arn)
    inputs: dict[str, AuditValue] = {
        "package_arn": change.package_arn,
        "event_status": change.approval_status,
    }
    if package is None or package.approval_status != APPROVED:
        status = "gone" if package is None else package.approval_status
        inputs["current_status"] = status
        return context.record(
            change,
            Decision.SKIPPED_STATUS_CHANGED,
            f"the package is {status} now, not Approved; nothing was deployed",
            inputs,
        )
    deployed = context.state.deployed_version(change.project)
    inputs["deployed_package_arn"] = deployed.model_package_arn if deployed else None
    retry = deployed is not None and deployed.event_id == change.event_id
    if not retry:
        refusal = _refuse_deploy(change, package, deployed, context, inputs)
        if refusal is not None:
            return refusal
    sent = context.send(
        change,
        context.version_of(change, package, "approved"),
        previous=deployed,
        token=request_token("deploy", change.event_id),
    )
    return context.record(
        change,
        Decision.DEPLOY_STARTED,
        f"version {package.version} was approved; the deploy pipeline was started for it",
        inputs,
        context.started(sent),
    )


def _refuse_deploy(
    change: ModelPackageChange,
    package: ModelPackage,
    deployed: DeployedVersion | None,
    context: DeployContext,
    inputs: dict[str, AuditValue],
) -> Outcome | None:
    """The outcome when an approved package must not be deployed, else None."""
    if (
        deployed is not None
        and deployed.model_package_arn == package.arn
        and deployed.deploy_execution_id != NOT_STARTED
    ):
        return context.record(
            change,
            Decision.SKIPPED_ALREADY_DEPLOYED,
            f"version {package.version} is already the deployed version (event "
            f"{deployed.event_id}); it is not deployed twice",
            inputs,
        )
    newest = context.registry.latest_approved(package.group, excluding=None)
    if newest is not None and newest.version > package.version:
        inputs["newest_approved_version"] = newest.version
        return context.record(
            change,
            Decision.SKIPPED_SUPERSEDED,
            f"version {package.version} is older than approved version {newest.version}; "
            "production never goes back to an older version on a late approval (reject the "
            "newer versions to roll back)",
            inputs,
        )
    return None
