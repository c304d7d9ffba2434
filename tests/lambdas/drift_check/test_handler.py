"""The scheduled drift check end to end, against moto: S3, CloudWatch and SageMaker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from drift_check import handler as handler_module
from drift_check.baseline import build_baseline
from drift_check.request import InvalidDriftCheckRequest
from drift_check.scheduled_check import BaselineNotFound

from .capture_records import csv_capture_line

REGION = "eu-west-1"
CAPTURE_BUCKET = "churn-capture"
REPORT_BUCKET = "drift-reports-bucket"
ARTIFACT_BUCKET = "churn-artifacts"
BASELINE_KEY = "churn/baselines/v3/baseline.json"
REPORT_KEY = "drift-reports/churn/churn-prod/2024-05-02T06:15:00Z.json"
SCHEDULED = datetime(2024, 5, 2, 6, 15, tzinfo=UTC)
NAMESPACE = "CD4ML/Drift"
DIMENSIONS = [{"Name": "Project", "Value": "churn"}, {"Name": "Endpoint", "Value": "churn-prod"}]

EVENT: dict[str, Any] = {
    "project": "churn",
    "endpoint_name": "churn-prod",
    "capture_prefix": f"s3://{CAPTURE_BUCKET}/datacapture",
    "scheduled_time": "2024-05-02T06:15:00Z",
    "execution_id": "2f1c7f0e-7a0c-4b52-9d8e-2b1f0c9d7e11",
    "window_hours": 3,
    "baseline_uri": f"s3://{ARTIFACT_BUCKET}/{BASELINE_KEY}",
}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "REPORT_BUCKET": REPORT_BUCKET,
        "REPORT_KMS_KEY_ID": "arn:aws:kms:eu-west-1:123456789012:key/0d6c3b2a-report",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DRIFT_METRIC_NAMESPACE", raising=False)
    monkeypatch.setattr(handler_module, "_clients", None)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (CAPTURE_BUCKET, REPORT_BUCKET, ARTIFACT_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        rng = np.random.default_rng(31)
        baseline = build_baseline(
            {
                "x": rng.normal(size=20_000),
                "y": rng.gamma(2.0, 3.0, size=20_000),
                "plan": rng.choice(["basic", "plus", "pro"], size=20_000, p=[0.5, 0.3, 0.2]),
            }
        )
        s3.put_object(Bucket=ARTIFACT_BUCKET, Key=BASELINE_KEY, Body=baseline.to_json().encode())
        yield {
            "s3": s3,
            "cloudwatch": boto3.client("cloudwatch", region_name=REGION),
            "sagemaker": boto3.client("sagemaker", region_name=REGION),
            "baseline": baseline,
        }


def put_capture(
    s3: Any,
    hour: datetime,
    *,
    rows: int,
    shift: float = 0.0,
    variant: str = "AllTraffic",
    seed: int = 0,
    extra_lines: tuple[str, ...] = (),
) -> str:
    """One capture file of ``rows`` rows (2 per request) in ``hour``'s folder."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, size=rows)
    y = rng.gamma(2.0, 3.0, size=rows)
    plan = rng.choice(["basic", "plus", "pro"], size=rows, p=[0.5, 0.3, 0.2])
    lines = [
        csv_capture_line([[f"{x[i]:.5f}", f"{y[i]:.5f}", plan[i]] for i in (k, k + 1)])
        for k in range(0, rows, 2)
    ]
    lines[1:1] = extra_lines
    key = (
        f"datacapture/churn-prod/{variant}/{hour:%Y/%m/%d/%H}/"
        f"{hour:%M-%S}-123-6b1f2c3d-{seed:04d}.jsonl"
    )
    s3.put_object(Bucket=CAPTURE_BUCKET, Key=key, Body="\n".join(lines).encode())
    return key


def window_hours() -> list[datetime]:
    end = SCHEDULED.replace(minute=0)
    return [end - timedelta(hours=3), end - timedelta(hours=2), end - timedelta(hours=1)]


def metric_values(
    cloudwatch: Any, name: str, dimensions: list[dict[str, str]], stat: str = "Maximum"
) -> list[float]:
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": name,
                        "Dimensions": dimensions,
                    },
                    "Period": 60,
                    "Stat": stat,
                },
            }
        ],
        StartTime=SCHEDULED - timedelta(hours=1),
        EndTime=SCHEDULED + timedelta(hours=1),
    )
    return list(result["MetricDataResults"][0]["Values"])


def metric_names(cloudwatch: Any) -> set[str]:
    return {
        metric["MetricName"] for metric in cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    }


def read_report(s3: Any) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=REPORT_KEY)["Body"].read())


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
    aws: dict[str, Any], event: dict[str, Any]
) -> None:
    s3, cloudwatch = aws["s3"], aws["cloudwatch"]
    put_capture(s3, window_hours()[0], rows=1200, shift=2.0)

    with pytest.raises(InvalidDriftCheckRequest):
        handler_module.handler(event, None)

    assert metric_names(cloudwatch) == set()
    assert "Contents" not in s3.list_objects_v2(Bucket=REPORT_BUCKET)


def test_baseline_comes_from_the_model_package(aws: dict[str, Any]) -> None:
    s3, sagemaker = aws["s3"], aws["sagemaker"]
    sagemaker.create_model_package_group(ModelPackageGroupName="churn")
    package = sagemaker.create_model_package(
        ModelPackageGroupName="churn",
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/churn:3"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        DriftCheckBaselines={
            "ModelDataQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": f"s3://{ARTIFACT_BUCKET}/{BASELINE_KEY}",
                }
            }
        },
    )
    put_capture(s3, window_hours()[0], rows=1200, seed=4)
    event = {key: value for key, value in EVENT.items() if key != "baseline_uri"}

    summary = handler_module.handler(
        {**event, "model_package_arn": package["ModelPackageArn"]}, None
    )

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
