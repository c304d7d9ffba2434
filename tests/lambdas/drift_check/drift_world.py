"""The moto world of the scheduled drift check: buckets, a baseline, capture files, metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from .capture_records import csv_capture_line

REGION = "eu-west-1"
RESOURCE_PREFIX = "cd4ml-sandbox"
PACKAGE_GROUP = "cd4ml-sandbox-churn"
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


def register_package(sagemaker: Any, group: str) -> str:
    """Register a model package in ``group`` (created here) naming the test baseline."""
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    package = sagemaker.create_model_package(
        ModelPackageGroupName=group,
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
    return str(package["ModelPackageArn"])
