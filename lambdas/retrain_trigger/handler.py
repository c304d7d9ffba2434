"""Lambda entry point of the retrain trigger (``retrain_trigger.handler.handler``).

Environment: ``RESOURCE_PREFIX``, ``POLICY_PARAMETER_PREFIX``, ``IDEMPOTENCY_TABLE``,
``STATE_TABLE``, ``AUDIT_TABLE``, ``RAW_BUCKET_NAME``, optional ``MAX_EVENT_AGE_SECONDS``,
``LEASE_SECONDS``
(default 21600), ``PLATFORM_ACCOUNT_ID``, ``POLICY_CACHE_SECONDS`` and the
Powertools variables (``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from loop_common.events import EventEnvelope, NotActionable
from loop_common.function_runtime import FunctionRuntime
from loop_common.outcome import Outcome
from loop_common.policy import ProjectPolicy
from loop_common.settings import integer_variable, required_variable
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
from retrain_trigger.pending import resume_pending_retrain

runtime = FunctionRuntime.from_environ(FUNCTION_NAME)
policies, audit, dynamodb = runtime.policies, runtime.audit, runtime.dynamodb

raw_bucket = required_variable(os.environ, "RAW_BUCKET_NAME")
lease_seconds = integer_variable(
    os.environ, "LEASE_SECONDS", default=DEFAULT_LEASE_SECONDS, minimum=60, maximum=7 * 86400
)
sagemaker = runtime.client("sagemaker")
cloudwatch = runtime.client("cloudwatch")
state = StateStore(dynamodb=dynamodb, table_name=required_variable(os.environ, "STATE_TABLE"))


def read_event(envelope: EventEnvelope) -> RetrainRequest | BuildRunEnded | NotActionable:
    """A request for a build run, the end of one, or nothing to do."""
    return read_retrain_event(envelope, names=runtime.names, raw_bucket=raw_bucket)


def decide(
    *, event: dict[str, Any], request: RetrainRequest | BuildRunEnded, policy: ProjectPolicy
) -> dict[str, Any]:
    """Take the decision for one event id; a redelivery gets the first answer back."""
    now = datetime.now(UTC)

    def start(retrain: RetrainRequest) -> Outcome:
        return start_build_run(
            retrain,
            policy=policy,
            sagemaker=sagemaker,
            state=state,
            audit=audit,
            lease_seconds=lease_seconds,
            now=now,
        )

    if not isinstance(request, BuildRunEnded):
        return start(request).as_response()
    response = end_build_run(
        request, state=state, audit=audit, now=now, lease_seconds=lease_seconds
    ).as_response()
    resumed = resume_pending_retrain(
        request.project, state=state, cloudwatch=cloudwatch, now=now, start=start
    )
    if resumed is not None:
        response["details"]["pending_retrain"] = resumed
    return response


handler = runtime.lambda_handler(read=read_event, decide=decide)
"""Handle one drift alarm, raw-data, scheduled-retrain or build-run-status event."""
