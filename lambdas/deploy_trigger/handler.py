"""Lambda entry point of the deploy trigger (``deploy_trigger.handler.handler``).

Environment: ``RESOURCE_PREFIX``, ``POLICY_PARAMETER_PREFIX``, ``IDEMPOTENCY_TABLE``,
``STATE_TABLE``, ``AUDIT_TABLE``, optional ``PLATFORM_ACCOUNT_ID``,
``POLICY_CACHE_SECONDS`` and the Powertools variables
(``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from deploy_trigger.logic import FUNCTION_NAME, DeployContext, deploy_approved, roll_back_rejected
from loop_common import observability
from loop_common.deploy_state import DeployState
from loop_common.events import (
    EventEnvelope,
    NotActionable,
)
from loop_common.function_runtime import FunctionRuntime
from loop_common.model_registry import APPROVED, REJECTED, ModelRegistry
from loop_common.notifications import Notifier
from loop_common.package_events import ModelPackageChange, read_change_in_status
from loop_common.policy import ProjectPolicy
from loop_common.settings import required_variable

runtime = FunctionRuntime.from_environ(FUNCTION_NAME)
policies, audit, dynamodb = runtime.policies, runtime.audit, runtime.dynamodb

sagemaker = runtime.client("sagemaker")
codepipeline = runtime.client("codepipeline")
sns = runtime.client("sns")
registry = ModelRegistry(sagemaker=sagemaker)
notifier = Notifier(sns=sns)
state = DeployState(dynamodb=dynamodb, table_name=required_variable(os.environ, "STATE_TABLE"))


def read_decided_change(envelope: EventEnvelope) -> ModelPackageChange | NotActionable:
    """The package change, if the package was just approved or rejected."""
    return read_change_in_status(
        envelope, runtime.names, statuses=(APPROVED, REJECTED), reason="NotApprovedOrRejected"
    )


def report_lapsed_lock(holder_event_id: str) -> None:
    """Log and count a lapsed deploy lock this invocation took over."""
    observability.report_lapsed_lock(
        holder_event_id, logger=runtime.logger, metrics=runtime.metrics
    )


def decide(
    *, event: dict[str, Any], request: ModelPackageChange, policy: ProjectPolicy
) -> dict[str, Any]:
    """Deploy or roll back once per event id; a redelivery gets the first answer back."""
    context = DeployContext(
        policy=policy,
        registry=registry,
        codepipeline=codepipeline,
        state=state,
        notifier=notifier,
        audit=audit,
        now=datetime.now(UTC),
        report_lapsed_lock=report_lapsed_lock,
    )
    act = deploy_approved if request.approval_status == APPROVED else roll_back_rejected
    return act(request, context).as_response()


handler = runtime.lambda_handler(read=read_decided_change, decide=decide)
"""Handle one SageMaker Model Package State Change event."""
