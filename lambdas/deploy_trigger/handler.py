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

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from deploy_trigger.logic import FUNCTION_NAME, deploy_approved, roll_back_rejected
from loop_common.audit import AuditTrail
from loop_common.events import (
    DropReason,
    EventRejected,
    ModelPackageChange,
    NotActionable,
    accept_envelope,
    own_account_id,
    read_model_package_change,
)
from loop_common.idempotency import event_idempotency_config, idempotency_store
from loop_common.model_registry import APPROVED, REJECTED, ModelRegistry
from loop_common.naming import ResourceNames
from loop_common.notifications import Notifier
from loop_common.observability import (
    report_dropped,
    report_failure,
    report_ignored,
    report_response,
)
from loop_common.policy import PolicyReader, ProjectPolicy
from loop_common.settings import LoopSettings, required_variable
from loop_common.state_store import StateStore

settings = LoopSettings.from_environ()
names = ResourceNames(settings.resource_prefix)

logger = Logger(service=FUNCTION_NAME)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CD4ML"), service=FUNCTION_NAME
)

sagemaker = boto3.client("sagemaker")
codepipeline = boto3.client("codepipeline")
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
ssm = boto3.client("ssm")

policies = PolicyReader(
    ssm=ssm,
    parameter_prefix=settings.policy_parameter_prefix,
    names=names,
    cache_seconds=settings.policy_cache_seconds,
)
registry = ModelRegistry(sagemaker=sagemaker)
notifier = Notifier(sns=sns)
state = StateStore(dynamodb=dynamodb, table_name=required_variable(os.environ, "STATE_TABLE"))
audit = AuditTrail(dynamodb=dynamodb, table_name=settings.audit_table)

idempotency_config = event_idempotency_config()
persistence_store = idempotency_store(settings.idempotency_table)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Handle one ``SageMaker Model Package State Change`` event."""
    idempotency_config.register_lambda_context(context)
    try:
        envelope = accept_envelope(
            event, own_account_id(settings.platform_account_id, context.invoked_function_arn)
        )
        change = read_model_package_change(envelope, names)
        if change.approval_status not in (APPROVED, REJECTED):
            return report_ignored(
                NotActionable("NotApprovedOrRejected", f"package is {change.approval_status}"),
                project=change.project,
                logger=logger,
                metrics=metrics,
            )
        policy = policies.policy_for(change.project)
        if policy is None:
            raise EventRejected(
                DropReason.UNKNOWN_PROJECT, f"no policy for project {change.project!r}"
            )
    except EventRejected as rejection:
        return report_dropped(rejection, logger=logger, metrics=metrics)
    except Exception as error:
        report_failure(error, logger=logger, metrics=metrics)
        raise
    logger.append_keys(project=change.project, model_package_arn=change.package_arn)
    try:
        response: dict[str, Any] = decide_once(event=event, change=change, policy=policy)
    except Exception as error:
        report_failure(error, logger=logger, metrics=metrics)
        raise
    report_response(response, logger=logger, metrics=metrics)
    return response


@idempotent_function(
    data_keyword_argument="event",
    config=idempotency_config,
    persistence_store=persistence_store,
    key_prefix=FUNCTION_NAME,
)
def decide_once(
    *, event: dict[str, Any], change: ModelPackageChange, policy: ProjectPolicy
) -> dict[str, Any]:
    """Deploy or roll back once per event id; a redelivery gets the first answer back."""
    now = datetime.now(UTC)
    if change.approval_status == APPROVED:
        outcome = deploy_approved(
            change,
            policy=policy,
            registry=registry,
            codepipeline=codepipeline,
            state=state,
            audit=audit,
            now=now,
        )
    else:
        outcome = roll_back_rejected(
            change,
            policy=policy,
            registry=registry,
            codepipeline=codepipeline,
            state=state,
            notifier=notifier,
            audit=audit,
            now=now,
        )
    return outcome.as_response()
