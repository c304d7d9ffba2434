"""The scheduled drift check end to end, against moto: S3, CloudWatch and SageMaker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from drift_check import handler as handler_module
from drift_check.request import InvalidDriftCheckRequest
from drift_check.scheduled_check import BaselineNotFound

from ..metric_lines import metrics_of
from .drift_world import (
    ARTIFACT_BUCKET,
    BASELINE_KEY,
    CAPTURE_BUCKET,
    DIMENSIONS,
    EVENT,
    PACKAGE_GROUP,
    REPORT_BUCKET,
    REPORT_KEY,
    SCHEDULED,
    metric_names,
    metric_values,
    put_capture,
    read_report,
    register_package,
    window_hours,
)

REFUSED = ("RefusedDriftChecks", {"service": "drift-check", "reason": "InvalidDriftCheckRequest"})


def test_drifted_window_publishes_metrics_and_writes_the_report(aws: dict[str, Any]) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]
    for seed, hour in enumerate(window_hours()):
        put_capture(
            s3, hour, rows=600, shift=1.0, seed=seed,
            extra_lines=("{broken json",) if seed == 1 else (),
        )  # fmt: skip

    summary = handler_module.handler(EVENT, None)

    assert summary["status"] == "checked"
    assert summary["rows"] == 1800
    assert summary["drifted_features"] == ["x"]
    assert summary["report_uri"] == f"s3://{REPORT_BUCKET}/{REPORT_KEY}"
    assert metric_values(cloudwatch, "DriftScore", DIMENSIONS) == [pytest.approx(1 / 3)]
    assert metric_values(cloudwatch, "RowsChecked", DIMENSIONS) == [1800.0]
    assert metric_values(cloudwatch, "MalformedRecords", DIMENSIONS) == [1.0]
    x_psi = metric_values(
        cloudwatch, "FeaturePSI", [*DIMENSIONS, {"Name": "Feature", "Value": "x"}]
    )
    y_psi = metric_values(
        cloudwatch, "FeaturePSI", [*DIMENSIONS, {"Name": "Feature", "Value": "y"}]
    )
    assert x_psi[0] > 0.2 > y_psi[0]

    report = read_report(s3)
    assert report["project"] == "churn" and report["endpoint_name"] == "churn-prod"
    assert report["window"] == {
        "start": "2024-05-02T03:00:00Z",
        "end": "2024-05-02T06:00:00Z",
        "hours": 3,
        "capture_prefix": f"s3://{CAPTURE_BUCKET}/datacapture",
    }
    assert report["baseline"] == {"uri": EVENT["baseline_uri"], "origin": "baseline_uri"}
    assert report["drifted_features"] == ["x"]
    assert report["capture"]["objects"] == 3
    assert report["capture"]["malformed_records"] == 1
    assert report["capture"]["malformed_examples"][0]["line"] == 2
    head = s3.head_object(Bucket=REPORT_BUCKET, Key=REPORT_KEY)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith("key/0d6c3b2a-report")


def test_steady_window_scores_zero_and_ignores_capture_outside_the_window(
    aws: dict[str, Any],
) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]
    for seed, hour in enumerate(window_hours()):
        put_capture(s3, hour, rows=500, seed=seed)
    # Before the window, and the running hour after it: both shifted, neither read.
    put_capture(s3, SCHEDULED.replace(minute=0) - timedelta(hours=4), rows=500, shift=3, seed=7)
    put_capture(s3, SCHEDULED.replace(minute=0), rows=500, shift=3, seed=8)

    summary = handler_module.handler(EVENT, None)

    assert summary["rows"] == 1500
    assert summary["drift_score"] == 0.0
    assert metric_values(cloudwatch, "DriftScore", DIMENSIONS) == [0.0]
    assert read_report(s3)["capture"]["objects"] == 3


def test_every_variant_is_read_unless_the_payload_names_some(aws: dict[str, Any]) -> None:
    s3 = aws["s3"]
    hour = window_hours()[0]
    put_capture(s3, hour, rows=800, variant="AllTraffic", seed=1)
    put_capture(s3, hour, rows=400, variant="Shadow", seed=2)

    assert handler_module.handler(EVENT, None)["rows"] == 1200
    named = handler_module.handler({**EVENT, "variant_names": ["Shadow"]}, None)
    assert named["rows"] == 400
    assert named["status"] == "insufficient_data"


def test_empty_window_publishes_rows_checked_zero_and_no_drift_score(aws: dict[str, Any]) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]

    summary = handler_module.handler(EVENT, None)

    assert summary["status"] == "empty_window"
    assert summary["drift_score"] is None
    assert metric_names(cloudwatch) == {"RowsChecked", "MalformedRecords"}
    assert metric_values(cloudwatch, "RowsChecked", DIMENSIONS) == [0.0]
    assert read_report(s3)["status"] == "empty_window"


def test_same_event_twice_writes_the_same_report_and_the_same_points(aws: dict[str, Any]) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]
    for seed, hour in enumerate(window_hours()):
        put_capture(s3, hour, rows=600, shift=1.0, seed=seed)

    first = handler_module.handler(EVENT, None)
    first_report = s3.get_object(Bucket=REPORT_BUCKET, Key=REPORT_KEY)["Body"].read()
    second = handler_module.handler(EVENT, None)
    second_report = s3.get_object(Bucket=REPORT_BUCKET, Key=REPORT_KEY)["Body"].read()

    assert first == second
    assert first_report == second_report
    # Both runs stamp their points with the scheduled time: one period, same value.
    assert metric_values(cloudwatch, "DriftScore", DIMENSIONS) == [pytest.approx(1 / 3)]
    assert metric_values(cloudwatch, "DriftScore", DIMENSIONS, "Minimum") == [pytest.approx(1 / 3)]
    assert metric_values(cloudwatch, "DriftScore", DIMENSIONS, "SampleCount") == [2.0]


@pytest.mark.parametrize(
    "event",
    [
        {**EVENT, "scheduled_time": "not a time"},
        {**EVENT, "thresholds": {"psi": "high"}},
        {key: value for key, value in EVENT.items() if key != "project"},
    ],
)
def test_malformed_payload_raises_and_publishes_nothing(
    aws: dict[str, Any], event: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]
    put_capture(s3, window_hours()[0], rows=1200, shift=2.0)

    with pytest.raises(InvalidDriftCheckRequest):
        handler_module.handler(event, None)

    assert metric_names(cloudwatch) == set()
    assert "Contents" not in s3.list_objects_v2(Bucket=REPORT_BUCKET)
    assert metrics_of(capsys.readouterr().out) == [REFUSED]


def test_baseline_comes_from_the_model_package(aws: dict[str, Any]) -> None:
    s3, sagemaker = aws["s3"], aws["sagemaker"]
    package_arn = register_package(sagemaker, PACKAGE_GROUP)
    put_capture(s3, window_hours()[0], rows=1200, seed=4)
    event = {key: value for key, value in EVENT.items() if key != "baseline_uri"}

    summary = handler_module.handler({**event, "model_package_arn": package_arn}, None)

    assert summary["status"] == "checked"
    assert read_report(s3)["baseline"] == {
        "uri": f"s3://{ARTIFACT_BUCKET}/{BASELINE_KEY}",
        "origin": "model_package",
    }


def test_baseline_falls_back_to_the_documented_location(aws: dict[str, Any]) -> None:
    s3 = aws["s3"]
    fallback_key = "drift-baselines/churn/churn-prod/baseline.json"
    event = {key: value for key, value in EVENT.items() if key != "baseline_uri"}
    put_capture(s3, window_hours()[0], rows=1200, seed=5)

    with pytest.raises(BaselineNotFound, match=f"s3://{REPORT_BUCKET}/{fallback_key}"):
        handler_module.handler(event, None)
    assert metric_names(aws["cloudwatch"]) == set()

    s3.put_object(Bucket=REPORT_BUCKET, Key=fallback_key, Body=aws["baseline"].to_json().encode())
    assert handler_module.handler(event, None)["status"] == "checked"
    assert read_report(s3)["baseline"]["origin"] == "default_location"


def test_transient_aws_error_is_raised_for_the_retry(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # moto never throttles: the S3 client's get_object is replaced to raise as S3 would.
    put_capture(aws["s3"], window_hours()[0], rows=1200)
    clients = handler_module.aws_clients()

    def slow_down(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}},
            "GetObject",
        )

    monkeypatch.setattr(clients.s3, "get_object", slow_down)
    with pytest.raises(ClientError, match="SlowDown"):
        handler_module.handler(EVENT, None)
    assert metric_names(aws["cloudwatch"]) == set()


def test_metric_namespace_comes_from_the_environment(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFT_METRIC_NAMESPACE", "Churn/Drift")
    handler_module.handler(EVENT, None)
    listed = aws["cloudwatch"].list_metrics(Namespace="Churn/Drift")["Metrics"]
    assert {metric["MetricName"] for metric in listed} == {"RowsChecked", "MalformedRecords"}


def test_missing_report_bucket_setting_is_refused(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPORT_BUCKET")
    with pytest.raises(RuntimeError, match="REPORT_BUCKET is not set"):
        handler_module.handler(EVENT, None)
