"""One scheduled drift check: find the baseline, read the window, report, publish.

:func:`run_drift_check` takes a validated request, plain settings and boto3 clients,
so it runs the same in Lambda, in tests against moto and from a notebook.

Baseline resolution, first that applies:

1. the request's ``baseline_uri``;
2. the model package's ``DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri``
   (``DescribeModelPackage`` of the request's ``model_package_arn``);
3. ``s3://<REPORT_BUCKET>/drift-baselines/<project>/<endpoint>/baseline.json``.

A baseline that does not exist or cannot be read raises :class:`BaselineNotFound` or
``BaselineFormatError`` before any metric is published. Throttling and other
transient AWS errors propagate unchanged, for the scheduler to retry.

Order of effects: the report is written to
``s3://<REPORT_BUCKET>/drift-reports/<project>/<endpoint>/<scheduled-time>.json``
(SSE-KMS with ``REPORT_KMS_KEY_ID`` when set), then the metrics are published. Both
are keyed by the scheduled time, so running the same request twice overwrites the
same report and repeats the same datapoints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Final, Literal

from botocore.exceptions import ClientError

from drift_check.baseline import Baseline
from drift_check.capture import SupportsRead
from drift_check.capture_window import S3Location, list_capture_keys
from drift_check.cloudwatch_metrics import (
    DEFAULT_NAMESPACE,
    drift_metric_data,
    publish_metric_data,
)
from drift_check.engine import check_capture
from drift_check.report import DriftReport
from drift_check.request import DriftCheckRequest

_NOT_FOUND_CODES: Final = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchBucket"})
# The loop's naming contract (as in loop_common.settings): cd4ml-<env>.
_RESOURCE_PREFIX: Final = re.compile(r"[a-z][a-z0-9-]{0,29}[a-z0-9]")


class ConfigurationError(RuntimeError):
    """The function's environment lacks a setting it needs."""


class BaselineNotFound(RuntimeError):
    """No baseline exists where the request says it should."""


@dataclass(frozen=True)
class DriftCheckSettings:
    """The function's settings, from its environment variables."""

    report_bucket: str
    report_kms_key_id: str | None = None
    metric_namespace: str = DEFAULT_NAMESPACE
    # The environment's groups are <resource_prefix>-<project>; unset, no package is ours.
    resource_prefix: str = ""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> DriftCheckSettings:
        """Read ``REPORT_BUCKET``, ``RESOURCE_PREFIX``, ``REPORT_KMS_KEY_ID`` and
        ``DRIFT_METRIC_NAMESPACE``."""
        bucket = environ.get("REPORT_BUCKET", "").strip()
        if not bucket:
            raise ConfigurationError("environment variable REPORT_BUCKET is not set")
        prefix = environ.get("RESOURCE_PREFIX", "").strip()
        if not _RESOURCE_PREFIX.fullmatch(prefix):
            raise ConfigurationError(
                f"environment variable RESOURCE_PREFIX is {prefix!r}: expected the loop's "
                "prefix cd4ml-<env>, 2-31 lowercase letters, digits or '-', starting with a letter"
            )
        return cls(
            report_bucket=bucket,
            resource_prefix=prefix,
            report_kms_key_id=environ.get("REPORT_KMS_KEY_ID", "").strip() or None,
            metric_namespace=environ.get("DRIFT_METRIC_NAMESPACE", "").strip() or DEFAULT_NAMESPACE,
        )


@dataclass(frozen=True)
class AwsClients:
    """The boto3 clients a drift check uses."""

    s3: Any
    cloudwatch: Any
    sagemaker: Any


@dataclass(frozen=True)
class BaselineSource:
    """Where the baseline was found, and through which rule."""

    uri: str
    origin: Literal["baseline_uri", "model_package", "default_location"]


@dataclass(frozen=True)
class DriftCheckOutcome:
    """What a drift check did."""

    report_uri: str
    report: DriftReport
    metrics_published: int

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready summary (the Lambda function's return value)."""
        return {
            "status": self.report.status,
            "rows": self.report.rows,
            "drift_score": self.report.drift_score,
            "drift_detected": self.report.drift_detected,
            "drifted_features": list(self.report.drifted_features),
            "malformed_records": self.report.malformed_records,
            "report_uri": self.report_uri,
            "metrics_published": self.metrics_published,
        }


def default_baseline_uri(settings: DriftCheckSettings, project: str, endpoint_name: str) -> str:
    """The documented fallback location of an endpoint's baseline."""
    return f"s3://{settings.report_bucket}/drift-baselines/{project}/{endpoint_name}/baseline.json"


def report_key(request: DriftCheckRequest) -> str:
    """Key of the request's drift report in the report bucket."""
    moment = request.scheduled_time.astimezone(UTC)
    return (
        f"drift-reports/{request.project}/{request.endpoint_name}/{moment:%Y-%m-%dT%H:%M:%SZ}.json"
    )


def resolve_baseline_source(
    request: DriftCheckRequest, settings: DriftCheckSettings, sagemaker: Any
) -> BaselineSource:
    """Where the request's baseline is (see the module docstring for the rules)."""
    if request.baseline_uri:
        return BaselineSource(request.baseline_uri, "baseline_uri")
    if request.model_package_arn:
        package = sagemaker.describe_model_package(ModelPackageName=request.model_package_arn)
        uri = (
            package.get("DriftCheckBaselines", {})
            .get("ModelDataQuality", {})
            .get("Statistics", {})
            .get("S3Uri")
        )
        if uri:
            return BaselineSource(uri, "model_package")
    return BaselineSource(
        default_baseline_uri(settings, request.project, request.endpoint_name), "default_location"
    )


def load_baseline(s3: Any, source: BaselineSource) -> Baseline:
    """Read and validate the baseline document at ``source``."""
    location = S3Location.parse(source.uri)
    try:
        response = s3.get_object(Bucket=location.bucket, Key=location.key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
            raise BaselineNotFound(
                f"no baseline at {source.uri} (found through {source.origin}); the build "
                "pipeline's baseline step writes it, or pass baseline_uri"
            ) from error
        raise
    with response["Body"] as body:
        return Baseline.from_json(body.read())


def _capture_streams(s3: Any, bucket: str, keys: list[str]) -> Iterator[tuple[str, SupportsRead]]:
    """Open each capture object in turn, closing it once read."""
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        try:
            yield f"s3://{bucket}/{key}", body
        finally:
            body.close()


def report_document(
    request: DriftCheckRequest, baseline_source: BaselineSource, report: DriftReport
) -> dict[str, Any]:
    """The JSON document written to S3: the request's context around the report."""
    window = request.window
    return {
        "project": request.project,
        "endpoint_name": request.endpoint_name,
        "scheduled_time": request.scheduled_time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "execution_id": request.execution_id,
        "window": {
            "start": window.start.isoformat().replace("+00:00", "Z"),
            "end": window.end.isoformat().replace("+00:00", "Z"),
            "hours": request.window_hours,
            "capture_prefix": request.capture.uri,
        },
        "baseline": {"uri": baseline_source.uri, "origin": baseline_source.origin},
        **report.to_dict(),
    }


def run_drift_check(
    request: DriftCheckRequest, *, clients: AwsClients, settings: DriftCheckSettings
) -> DriftCheckOutcome:
    """Run one scheduled drift check end to end (see the module docstring)."""
    source = resolve_baseline_source(request, settings, clients.sagemaker)
    baseline = load_baseline(clients.s3, source)
    keys = list_capture_keys(
        clients.s3,
        request.capture,
        request.endpoint_name,
        request.window,
        variants=request.variant_names,
    )
    report = check_capture(
        baseline,
        _capture_streams(clients.s3, request.capture.bucket, keys),
        thresholds=request.thresholds,
    )
    key = report_key(request)
    extra: dict[str, str] = {}
    if settings.report_kms_key_id:
        extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": settings.report_kms_key_id}
    clients.s3.put_object(
        Bucket=settings.report_bucket,
        Key=key,
        Body=json.dumps(report_document(request, source, report), indent=1, allow_nan=False).encode(
            "utf-8"
        ),
        ContentType="application/json",
        **extra,
    )
    metric_data = drift_metric_data(
        report,
        project=request.project,
        endpoint_name=request.endpoint_name,
        timestamp=request.scheduled_time,
    )
    publish_metric_data(clients.cloudwatch, settings.metric_namespace, metric_data)
    return DriftCheckOutcome(f"s3://{settings.report_bucket}/{key}", report, len(metric_data))
