"""Lambda entry point of the quality gate (``quality_gate.handler.handler``).

Environment: ``RESOURCE_PREFIX``, ``POLICY_PARAMETER_PREFIX``, ``IDEMPOTENCY_TABLE``,
``AUDIT_TABLE``, optional ``PLATFORM_ACCOUNT_ID``, ``POLICY_CACHE_SECONDS`` and the
Powertools variables (``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loop_common.events import (
    EventEnvelope,
    NotActionable,
)
from loop_common.function_runtime import FunctionRuntime
from loop_common.model_registry import PENDING_MANUAL_APPROVAL, ModelRegistry
from loop_common.notifications import Notifier
from loop_common.package_claims import PackageClaims
from loop_common.package_events import ModelPackageChange, read_change_in_status
from loop_common.policy import ProjectPolicy
from quality_gate.logic import FUNCTION_NAME, evaluate_candidate

runtime = FunctionRuntime.from_environ(FUNCTION_NAME)
policies, audit, dynamodb = runtime.policies, runtime.audit, runtime.dynamodb

sagemaker = runtime.client("sagemaker")
s3 = runtime.client("s3")
sns = runtime.client("sns")
registry = ModelRegistry(sagemaker=sagemaker)
notifier = Notifier(sns=sns)
claims = PackageClaims(
    dynamodb=dynamodb, table_name=runtime.settings.idempotency_table, function=FUNCTION_NAME
)


def read_pending_change(envelope: EventEnvelope) -> ModelPackageChange | NotActionable:
    """The package change, if the package now waits for approval."""
    return read_change_in_status(
        envelope, runtime.names, statuses=(PENDING_MANUAL_APPROVAL,), reason="NotPendingApproval"
    )


def decide(
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
        claims=claims,
        now=datetime.now(UTC),
    )
    return outcome.as_response()


handler = runtime.lambda_handler(read=read_pending_change, decide=decide)
"""Handle one SageMaker Model Package State Change event."""
