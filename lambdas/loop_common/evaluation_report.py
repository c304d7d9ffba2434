"""Read one metric from a model's evaluation report in S3.

The report has SageMaker's evaluation-report shape: top-level groups (such as
``binary_classification_metrics`` or ``regression_metrics``) mapping metric
names to ``{"value": <number>, ...}``. A missing, unreadable or malformed
report, or a missing metric, is a ``MetricReading`` with a problem, not an
exception; only transient AWS errors are raised, so the invocation is retried.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from loop_common.aws_errors import error_code, is_transient

if TYPE_CHECKING:
    from botocore.client import BaseClient

MAX_REPORT_BYTES = 1_048_576
MAX_REPORT_DEPTH = 32


@dataclass(frozen=True)
class MetricReading:
    """A metric value, or the reason it could not be read (exactly one is set)."""

    value: float | None
    problem: str | None = None

    @classmethod
    def found(cls, value: float) -> MetricReading:
        """A reading that found ``value``."""
        return cls(value=value)

    @classmethod
    def missing(cls, problem: str) -> MetricReading:
        """A reading that failed for ``problem``."""
        return cls(value=None, problem=problem)


def split_s3_uri(uri: str) -> tuple[str, str] | None:
    """``s3://bucket/key`` as ``(bucket, key)``, or None when it is not such a URI."""
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        return None
    return bucket, key


def find_metric(report: object, metric_name: str) -> MetricReading:
    """Find ``metric_name`` under any top-level group of a parsed evaluation report."""
    if not isinstance(report, dict):
        return MetricReading.missing("the evaluation report is not a JSON object")
    values = []
    for group in report.values():
        if isinstance(group, dict) and metric_name in group:
            entry = group[metric_name]
            value = entry.get("value") if isinstance(entry, dict) else None
            if isinstance(value, bool) or not isinstance(value, int | float):
                return MetricReading.missing(f"metric {metric_name!r} has no numeric value")
            number = _as_float(value)
            if number is None:
                shown = value if isinstance(value, float) else f"a {len(str(value))}-digit number"
                return MetricReading.missing(
                    f"metric {metric_name!r} is {shown}, not a finite number"
                )
            values.append(number)
    if not values:
        return MetricReading.missing(f"metric {metric_name!r} is not in the evaluation report")
    if len(set(values)) > 1:
        return MetricReading.missing(
            f"metric {metric_name!r} appears in several groups with different values"
        )
    return MetricReading.found(values[0])


def _as_float(value: int | float) -> float | None:
    """``value`` as a finite float, or None (an integer of hundreds of digits included)."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def parse_report(body: bytes) -> object:
    """The parsed report, or raise ``ValueError`` for text no report can be.

    Nesting deeper than ``MAX_REPORT_DEPTH`` and integers longer than Python
    reads are refused as malformed rather than crashing the gate.
    """
    try:
        report = json.loads(body)
    except RecursionError:
        raise ValueError("the evaluation report is nested too deeply") from None
    except ValueError:
        raise ValueError("the evaluation report is not valid JSON") from None
    if _depth(report) > MAX_REPORT_DEPTH:
        raise ValueError(f"the evaluation report is nested deeper than {MAX_REPORT_DEPTH} levels")
    return report


def _depth(value: object) -> int:
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        if level > MAX_REPORT_DEPTH:
            return level
        if isinstance(item, dict):
            pending.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, level + 1) for child in item)
    return deepest


def read_metric(s3: BaseClient, report_uri: str | None, metric_name: str) -> MetricReading:
    """Fetch the report at ``report_uri`` and find ``metric_name`` in it.

    Raises:
        botocore.exceptions.ClientError: a transient S3 error (throttling, 5xx).
    """
    if not report_uri:
        return MetricReading.missing("the model package has no evaluation report")
    location = split_s3_uri(report_uri)
    if location is None:
        return MetricReading.missing(f"the evaluation report URI {report_uri!r} is not s3://")
    bucket, key = location
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
        body = response["Body"].read(MAX_REPORT_BYTES + 1)
    except ClientError as error:
        if is_transient(error):
            raise
        return MetricReading.missing(
            f"the evaluation report {report_uri} could not be read ({error_code(error)})"
        )
    if len(body) > MAX_REPORT_BYTES:
        return MetricReading.missing(
            f"the evaluation report is larger than {MAX_REPORT_BYTES} bytes"
        )
    try:
        report = parse_report(body)
    except ValueError as error:
        return MetricReading.missing(str(error))
    return find_metric(report, metric_name)
