"""What a deploy or a rollback works with, and the two steps both take: send a version, record it.

``deploy_approved`` and ``roll_back_rejected`` decide under the project's deploy
lock, with the same policy, registry, clients and stores; both end by sending
one version to the deploy pipeline (``send``) and recording what was started
(``record`` with ``started``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from deploy_trigger.deploy_lock import deploy_lock
from deploy_trigger.sending import send_version
from loop_common.audit import AuditTrail, AuditValue
from loop_common.deploy_state import NOT_STARTED, DeployedVersion, DeployState
from loop_common.model_registry import ModelPackage, ModelRegistry
from loop_common.notifications import Notifier
from loop_common.outcome import Decision, Outcome
from loop_common.package_decision import record_package_decision
from loop_common.package_events import ModelPackageChange
from loop_common.policy import ProjectPolicy

if TYPE_CHECKING:
    from botocore.client import BaseClient

FUNCTION_NAME = "deploy-trigger"


@dataclass(frozen=True)
class DeployContext:
    """The policy, clients and stores of one deploy-trigger decision.

    Attributes:
        policy: the project's policy (its deploy pipeline and topic).
        registry: the model registry, to re-read the package.
        codepipeline: the CodePipeline client that starts the deploy pipeline.
        state: the deployed version and the deploy lock, in ``STATE_TABLE``.
        notifier: tells the team when nothing can be rolled back to.
        audit: the audit trail.
        now: when the decision is taken.
        report_lapsed_lock: told the event id of a holder whose lapsed deploy
            lock this decision took over (logs it and counts ``LapsedDeployLocks``).
    """

    policy: ProjectPolicy
    registry: ModelRegistry
    codepipeline: BaseClient
    state: DeployState
    notifier: Notifier
    audit: AuditTrail
    now: datetime
    report_lapsed_lock: Callable[[str], None]

    def version_of(
        self, change: ModelPackageChange, package: ModelPackage, cause: str
    ) -> DeployedVersion:
        """A new record of ``package`` as the version deployed for ``change`` (``cause``)."""
        return DeployedVersion(
            model_package_arn=package.arn,
            model_package_version=package.version,
            deploy_execution_id=NOT_STARTED,
            event_id=change.event_id,
            cause=cause,
            requested_at=self.now,
        )

    def send(
        self,
        change: ModelPackageChange,
        version: DeployedVersion,
        *,
        previous: DeployedVersion | None,
        token: str,
    ) -> DeployedVersion:
        """Record ``version`` (unless this event's record is already ``previous``), then
        start the deploy pipeline for it (``deploy_trigger.sending.send_version``)."""
        return send_version(
            self.state,
            self.codepipeline,
            project=change.project,
            pipeline=self.policy.deploy_pipeline,
            version=version,
            previous=previous,
            token=token,
        )

    def record(
        self,
        change: ModelPackageChange,
        decision: Decision,
        reason: str,
        inputs: Mapping[str, AuditValue],
        result: Mapping[str, AuditValue] | None = None,
    ) -> Outcome:
        """Write the decision on ``change`` to the audit trail and return it as the outcome."""
        return record_package_decision(
            change, self.audit, self.now, decision, reason, inputs, result, function=FUNCTION_NAME
        )

    def started(self, sent: DeployedVersion) -> dict[str, AuditValue]:
        """What a started deploy records: the pipeline, its execution and the package."""
        return {
            "deploy_pipeline": self.policy.deploy_pipeline,
            "deploy_execution_id": sent.deploy_execution_id,
            "deployed_package_arn": sent.model_package_arn,
        }


Decide = Callable[[ModelPackageChange, DeployContext], Outcome]


def under_deploy_lock(decide: Decide) -> Decide:
    """``decide``, run while it holds the project's deploy lock (``deploy_lock``)."""

    @functools.wraps(decide)
    def locked(change: ModelPackageChange, context: DeployContext) -> Outcome:
        with deploy_lock(
            context.state,
            change.project,
            change.event_id,
            on_lapsed=context.report_lapsed_lock,
        ):
            return decide(change, context)

    return locked
