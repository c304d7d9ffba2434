"""Lambda entry point of the retrain trigger (``retrain_trigger.handler.handler``).

Environment: ``RESOURCE_PREFIX``, ``POLICY_PARAMETER_PREFIX``, ``IDEMPOTENCY_TABLE``,
``STATE_TABLE``, ``AUDIT_TABLE``, ``RAW_BUCKET_NAME``, optional ``LEASE_SECONDS``
(default 21600), ``PLATFORM_ACCOUNT_ID``, ``POLICY_CACHE_SECONDS`` and the
Powertools variables (``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from loop_common.audit import AuditTrail
from loop_common.events import (
    DropReason,
    EventRejected,
    NotActionable,
    accept_envelope,
    own_account_id,
)
from loop_common.idempotency import event_idempotency_config, idempotency_store
from loop_common.naming import ResourceNames
from loop_common.observability import (
    report_dropped,
    report_failure,
    report_ignored,
    report_response,
)
from loop_common.policy import PolicyReader, ProjectPolicy
from loop_common.settings import LoopSettings, integer_variable, required_variable
from loop_common.state_store import StateStore
from retrain_trigger.logic import (
    DEFAULT_LEASE_SECONDS,
    FUNCTION_NAME,
    BuildRunEnded,
    RetrainRequest,
    end_build_run,
    read_retrain_event,
    start_build_run,
)

settings = LoopSettings.from_environ()
raw_bucket = required_variable(os.environ, "RAW_BUCKET_NAME")
lease_seconds = integer_variable(
    os.environ, "LEASE_SECONDS", default=DEFAULT_LEASE_SECONDS, minimum=60, maximum=7 * 86400
)
names = ResourceNames(settings.resource_prefix)

logger = Logger(service=FUNCTION_NAME)
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CD4ML"), service=FUNCTION_NAME
)

sagemaker = boto3.client("sagemaker")
dynamodb = boto3.client("dynamodb")
ssm = boto3.client("ssm")

policies = PolicyReader(
    ssm=ssm,
    parameter_prefix=settings.policy_parameter_prefix,
    names=names,
    cache_seconds=settings.policy_cache_seconds,
)
state = StateStore(dynamodb=dynamodb, table_name=required_variable(os.environ, "STATE_TABLE"))
audit = AuditTrail(dynamodb=dynamodb, table_name=settings.audit_table)

idempotency_config = event_idempotency_config()
persistence_store = idempotency_store(settings.idempotency_table)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Handle one drift alarm, raw-data, scheduled-retrain or build-run-status event."""
    idempotency_config.register_lambda_context(context)
    try:
        envelope = accept_envelope(
            event, own_account_id(settings.platform_account_id, context.invoked_function_arn)
        )
        request = read_retrain_event(envelope, names=names, raw_bucket=raw_bucket)
        if isinstance(request, NotActionable):
            return report_ignored(request, project=None, logger=logger, metrics=metrics)
        policy = policies.policy_for(request.project)
        if policy is None:
            raise EventRejected(
                DropReason.UNKNOWN_PROJECT, f"no policy for project {request.project!r}"
            )
    except EventRejected as rejection:
        return report_dropped(rejection, logger=logger, metrics=metrics)
    except Exception as error:
        report_failure(error, logger=logger, metrics=metrics)
        raise
    logger.append_keys(project=request.project)
    try:
        response: dict[str, Any] = decide_once(event=event, request=request, policy=policy)
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
    *, event: dict[str, Any], request: RetrainRequest | BuildRunEnded, policy: ProjectPolicy
) -> dict[str, Any]:
    """Take the decision for one event id; a redelivery gets the first answer back."""
    now = datetime.now(UTC)
    if isinstance(request, BuildRunEnded):
        outcome = end_build_run(request, state=state, audit=audit, now=now)
    else:
        outcome = start_build_run(
            request,
            policy=policy,
            sagemaker=sagemaker,
            state=state,
            audit=audit,
            lease_seconds=lease_seconds,
            now=now,
        )
    return outcome.as_response()
