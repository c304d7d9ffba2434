"""Fixtures of the drift check tests: a moto account with the check's buckets and baseline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from drift_check import handler as handler_module
from drift_check.baseline import build_baseline

from .drift_world import (
    ARTIFACT_BUCKET,
    BASELINE_KEY,
    CAPTURE_BUCKET,
    REGION,
    REPORT_BUCKET,
    RESOURCE_PREFIX,
)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "REPORT_BUCKET": REPORT_BUCKET,
        "RESOURCE_PREFIX": RESOURCE_PREFIX,
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
