"""Start the model-deploy pipeline for an approved version, or roll back a rejected one.

On ``Approved``, the package is described again and deployed only if it is
still Approved: the exact ARN goes to the project's deploy CodePipeline as the
``ModelPackageArn`` variable. On ``Rejected`` of the version that was last
sent to the deploy pipeline, the latest other Approved version is deployed
instead; when there is none, the team is told and nothing is deployed.
"""

from __future__ import annotations

import functools
from datetime import datetime

from botocore.client import BaseClient

from loop_common.audit import AuditTrail, AuditValue, decision_id
from loop_common.events import ModelPackageChange
from loop_common.model_registry import APPROVED, REJECTED, ModelRegistry
from loop_common.naming import request_token
from loop_common.notifications import Notifier
from loop_common.outcome import Decision, Outcome
from loop_common.package_decision import record_package_decision
from loop_common.policy import ProjectPolicy
from loop_common.state_store import DeployedVersion, StateStore

FUNCTION_NAME = "deploy-trigger"
MODEL_PACKAGE_VARIABLE = "ModelPackageArn"

_record = functools.partial(record_package_decision, function=FUNCTION_NAME)


def start_deploy(codepipeline: BaseClient, *, pipeline: str, package_arn: str, token: str) -> str:
    """Start the deploy pipeline for ``package_arn``; return the execution id."""
    response = codepipeline.start_pipeline_execution(
        name=pipeline,
        variables=[{"name": MODEL_PACKAGE_VARIABLE, "value": package_arn}],
        clientRequestToken=token,
    )
    return str(response["pipelineExecutionId"])


def deploy_approved(
    change: ModelPackageChange,
    *,
    policy: ProjectPolicy,
    registry: ModelRegistry,
    codepipeline: BaseClient,
    state: StateStore,
    audit: AuditTrail,
    now: datetime,
) -> Outcome:
    """Deploy the package the event says was approved, if it still is."""
    package = registry.describe(change.package_arn)
    inputs: dict[str, AuditValue] = {
        "package_arn": change.package_arn,
        "event_status": change.approval_status,
    }
    if package is None or package.approval_status != APPROVED:
        status = "gone" if package is None else package.approval_status
        inputs["current_status"] = status
        return _record(
            change,
            audit,
            now,
            Decision.SKIPPED_STATUS_CHANGED,
            f"the package is {status} now, not Approved; nothing was deployed",
            inputs,
        )
    execution_id = start_deploy(
        codepipeline,
        pipeline=policy.deploy_pipeline,
        package_arn=package.arn,
        token=request_token("deploy", change.event_id),
    )
    state.record_deployed_version(
        change.project,
        DeployedVersion(
            model_package_arn=package.arn,
            model_package_version=package.version,
            deploy_execution_id=execution_id,
            event_id=change.event_id,
            cause="approved",
            requested_at=now,
        ),
    )
    return _record(
        change,
        audit,
        now,
        Decision.DEPLOY_STARTED,
        f"version {package.version} was approved; the deploy pipeline was started for it",
        inputs,
        {
            "deploy_pipeline": policy.deploy_pipeline,
            "deploy_execution_id": execution_id,
            "deployed_package_arn": package.arn,
        },
    )


def roll_back_rejected(
    change: ModelPackageChange,
    *,
    policy: ProjectPolicy,
    registry: ModelRegistry,
    codepipeline: BaseClient,
    state: StateStore,
    notifier: Notifier,
    audit: AuditTrail,
    now: datetime,
) -> Outcome:
    """If the rejected package is the deployed one, deploy the latest other approved version."""
    deployed = state.deployed_version(change.project)
    inputs: dict[str, AuditValue] = {
        "package_arn": change.package_arn,
        "event_status": change.approval_status,
        "deployed_package_arn": deployed.model_package_arn if deployed else None,
    }
    if deployed is not None and deployed.event_id == change.event_id:
        # A retry of this event after its rollback was recorded: finish the audit record.
        return _rollback_started(change, audit, now, inputs, policy, deployed)
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
    execution_id = start_deploy(
        codepipeline,
        pipeline=policy.deploy_pipeline,
        package_arn=previous.arn,
        token=request_token("rollback", change.event_id),
    )
    rolled_back = DeployedVersion(
        model_package_arn=previous.arn,
        model_package_version=previous.version,
        deploy_execution_id=execution_id,
        event_id=change.event_id,
        cause="rollback",
        requested_at=now,
    )
    state.record_deployed_version(change.project, rolled_back)
    return _rollback_started(change, audit, now, inputs, policy, rolled_back)


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
