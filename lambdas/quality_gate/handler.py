"""Lambda entry point of the quality gate (``quality_gate.handler.handler``).

Environment: ``RESOURCE_PREFIX``, ``POLICY_PARAMETER_PREFIX``, ``IDEMPOTENCY_TABLE``,
``AUDIT_TABLE``, optional ``PLATFORM_ACCOUNT_ID``, ``POLICY_CACHE_SECONDS`` and the
Powertools variables (``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from loop_common.events import (
    EventEnvelope,
    ModelPackageChange,
    NotActionable,
    read_model_package_change,
)
from loop_common.function_runtime import FunctionRuntime
from loop_common.model_registry import PENDING_MANUAL_APPROVAL, ModelRegistry
from loop_common.notifications import Notifier
from loop_common.policy import ProjectPolicy
from quality_gate.logic import FUNCTION_NAME, evaluate_candidate

runtime = FunctionRuntime.from_environ(FUNCTION_NAME)
logger, metrics, policies, audit = runtime.logger, runtime.metrics, runtime.policies, runtime.audit
ssm, dynamodb, persistence_store = runtime.ssm, runtime.dynamodb, runtime.persistence_store

sagemaker = boto3.client("sagemaker")
s3 = boto3.client("s3")
sns = boto3.client("sns")
registry = ModelRegistry(sagemaker=sagemaker)
notifier = Notifier(sns=sns)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Handle one ``SageMaker Model Package State Change`` event."""
    return runtime.handle(event, context, read=read_pending_change, decide=decide_once)


def read_pending_change(envelope: EventEnvelope) -> ModelPackageChange | NotActionable:
    """The package change, if the package now waits for approval."""
    change = read_model_package_change(envelope, runtime.names)
    if change.approval_status != PENDING_MANUAL_APPROVAL:
        return NotActionable(
            "NotPendingApproval", f"package is {change.approval_status}", project=change.project
        )
    return change


@runtime.once_per_event
def decide_once(
    *, event: dict[str, Any], request: ModelPackageChange, policy: ProjectPolicy
) -> dict[str, Any]:
    """Judge the package once per event id; a redelivery gets the first answer back."""
    outcome = evaluate_candidate(
        request,
        policy=policy,
        registry=registry,
        s3=s3,
        notifier=notifier,
        audit=audit,
        now=datetime.now(UTC),
    )
    return outcome.as_response()
