"""Lambda entry point of the scheduled drift check: ``drift_check.handler.handler``.

EventBridge Scheduler invokes it once per deployed model and schedule, with this
payload (JSON object; unknown keys are refused)::

    {
      "project": "churn",                                   # required
      "endpoint_name": "churn-prod",                        # required
      "capture_prefix": "s3://capture-bucket/datacapture",  # required: the endpoint's
                                                            #   DataCaptureConfig DestinationS3Uri
      "scheduled_time": "<aws.scheduler.scheduled-time>",   # required, ISO 8601 with zone
      "execution_id": "<aws.scheduler.execution-id>",       # optional: log correlation id
      "window_hours": 24,                                   # optional, 1 to 336, default 24
      "baseline_uri": "s3://artifacts/.../baseline.json",   # optional
      "model_package_arn": "arn:aws:sagemaker:...:model-package/churn/3",  # optional
      "thresholds": {"psi": 0.25, "min_rows": 500},         # optional policy overrides
      "variant_names": ["AllTraffic"]                       # optional, default: all found
    }

It reads the capture of the whole hours before ``scheduled_time`` (never the clock,
so a retry reads the same window), compares it with the model's baseline, writes the
drift report to S3 and publishes CloudWatch metrics: ``drift_check.scheduled_check``,
``drift_check.capture_window`` and ``drift_check.cloudwatch_metrics`` say how.

Environment variables:

``REPORT_BUCKET``            required: bucket of drift reports (and of the fallback
                             baseline location ``drift-baselines/<project>/<endpoint>/``)
``RESOURCE_PREFIX``          required: the loop's prefix ``cd4ml-<env>``; a
                             ``model_package_arn`` must be in the group
                             ``<RESOURCE_PREFIX>-<project>`` of the payload's project
``REPORT_KMS_KEY_ID``        optional: KMS key for SSE-KMS on the reports
``DRIFT_METRIC_NAMESPACE``   optional: metric namespace, default ``CD4ML/Drift``
``POWERTOOLS_SERVICE_NAME``  optional: logger service name, default ``drift-check``
``POWERTOOLS_LOG_LEVEL``     optional: log level, default ``INFO``

A payload that does not fit raises ``InvalidDriftCheckRequest``, and one naming a
model package of another account, region or group than the project's own raises
``ForeignModelPackage`` (``drift_check.package_scope``), before any AWS call; either
is counted (``RefusedDriftChecks`` in the log's embedded metrics, dimension ``reason``,
the error's class name);
a missing baseline raises ``BaselineNotFound``; AWS errors propagate. In every case
nothing is published, and the scheduler retries, then dead-letters the payload.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from drift_check.cloudwatch_metrics import DEFAULT_NAMESPACE
from drift_check.package_scope import check_own_package
from drift_check.request import DriftCheckRequest, InvalidDriftCheckRequest
from drift_check.scheduled_check import (
    AwsClients,
    ConfigurationError,
    DriftCheckSettings,
    run_drift_check,
)

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "drift-check"))

_RETRIES = {"mode": "standard", "max_attempts": 5}
_clients: AwsClients | None = None


def aws_clients() -> AwsClients:
    """The function's clients, created on first use and then reused.

    botocore loads here rather than at import, from one plain botocore session
    (boto3's would also load its S3 transfer manager, which the check does not use).
    """
    global _clients
    if _clients is None:
        import botocore.session
        from botocore.config import Config

        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        session = botocore.session.get_session()
        config = Config(retries=_RETRIES)
        _clients = AwsClients(
            s3=session.create_client("s3", region_name=region, config=config),
            cloudwatch=session.create_client("cloudwatch", region_name=region, config=config),
            sagemaker=session.create_client("sagemaker", region_name=region, config=config),
        )
    return _clients


REFUSED_METRIC = "RefusedDriftChecks"


def own_account(context: object) -> str | None:
    """The function's account, read from the invoked function's ARN in the Lambda context."""
    function_arn = str(getattr(context, "invoked_function_arn", "") or "")
    return function_arn.split(":")[4] if function_arn.count(":") >= 5 else None


def count_refusal(error: Exception) -> None:
    """Count a refused payload (``RefusedDriftChecks``, dimension ``reason``) in the log."""
    namespace = os.environ.get("DRIFT_METRIC_NAMESPACE", "").strip() or DEFAULT_NAMESPACE
    with single_metric(
        name=REFUSED_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=namespace,
        default_dimensions={"service": "drift-check", "reason": type(error).__name__},
    ):
        pass


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one scheduled drift check; returns a summary of what it found and wrote."""
    try:
        request = DriftCheckRequest.from_event(event)
        settings = DriftCheckSettings.from_environment(os.environ)
        check_own_package(
            request,
            resource_prefix=settings.resource_prefix,
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
            account=own_account(context),
        )
    except (InvalidDriftCheckRequest, ConfigurationError) as error:
        logger.error("drift check refused", extra={"reason": str(error)})
        count_refusal(error)
        raise
    logger.set_correlation_id(request.execution_id)
    logger.append_keys(project=request.project, endpoint_name=request.endpoint_name)
    window = request.window
    logger.info(
        "drift check started",
        extra={"window_start": window.start.isoformat(), "window_end": window.end.isoformat()},
    )
    try:
        outcome = run_drift_check(request, clients=aws_clients(), settings=settings)
    except Exception:
        logger.exception("drift check failed")
        raise
    summary = outcome.summary()
    if outcome.report.status == "checked":
        logger.info("drift check done", extra=summary)
    else:
        logger.warning(
            "drift check without a drift score: the window is empty or too small", extra=summary
        )
    return summary
