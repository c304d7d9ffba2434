"""The deployed model's drift baseline lands where the drift check reads it (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import numpy as np
import pytest
from moto import mock_aws

from drift_check.baseline import build_baseline
from drift_check.request import DriftCheckRequest
from drift_check.scheduled_check import (
    DriftCheckSettings,
    default_baseline_uri,
    load_baseline,
    resolve_baseline_source,
)
from tests.pipeline_templates.model_deploy.deploy_code import publish_baseline
from tests.pipeline_templates.model_deploy.registry import GROUP, REGION

BUCKET = "cd4ml-sandbox-artifacts-123456789012"
ENDPOINT = "cd4ml-sandbox-churn-prod"
SOURCE_URI = f"s3://{BUCKET}/projects/churn/build/"
RUN_KEY = "projects/churn/build/runs/exec-1/baseline/baseline.json"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TARGET_URI = default_baseline_uri(DriftCheckSettings(report_bucket=BUCKET), "churn", ENDPOINT)


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        rng = np.random.default_rng(7)
        baseline = build_baseline(
            {"tenure": rng.normal(24, 6, 500), "plan": rng.choice(["basic", "pro"], 500)},
            categorical=["plan"],
        )
        yield {"s3": s3, "sagemaker": sagemaker, "baseline": baseline}


def _package(sagemaker: Any, baseline_uri: str | None) -> str:
    extra: dict[str, Any] = {}
    if baseline_uri is not None:
        extra["DriftCheckBaselines"] = {
            "ModelDataQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": baseline_uri}
            }
        }
    return str(
        sagemaker.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            **extra,
        )["ModelPackageArn"]
    )


def _publish(aws: dict[str, Any], arn: str) -> str:
    return str(
        publish_baseline.publish_baseline(
            aws["sagemaker"],
            aws["s3"],
            model_package_arn=arn,
            source_uri=SOURCE_URI,
            baseline_uri=TARGET_URI,
            kms_key_arn=KEY_ARN,
        )
    )


def _published_keys(aws: dict[str, Any]) -> list[str]:
    listing = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="drift-baselines/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_the_drift_check_reads_the_deployed_packages_baseline(aws: dict[str, Any]) -> None:
    document = aws["baseline"].to_json().encode()
    aws["s3"].put_object(Bucket=BUCKET, Key=RUN_KEY, Body=document)
    arn = _package(aws["sagemaker"], f"s3://{BUCKET}/{RUN_KEY}")

    assert _publish(aws, arn) == f"s3://{BUCKET}/{RUN_KEY}"

    assert f"s3://{BUCKET}/drift-baselines/churn/{ENDPOINT}/baseline.json" == TARGET_URI
    head = aws["s3"].head_object(
        Bucket=BUCKET, Key=f"drift-baselines/churn/{ENDPOINT}/baseline.json"
    )
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == KEY_ARN
    # What the scheduled check resolves for a request without baseline or package:
    request = DriftCheckRequest.from_event(
        {
            "project": "churn",
            "endpoint_name": ENDPOINT,
            "capture_prefix": f"s3://{BUCKET}/data-capture/{ENDPOINT}",
            "window_hours": 24,
            "scheduled_time": "2026-12-01T00:00:00Z",
            "execution_id": "e-1",
        }
    )
    source = resolve_baseline_source(
        request, DriftCheckSettings(report_bucket=BUCKET), aws["sagemaker"]
    )
    assert (source.uri, source.origin) == (TARGET_URI, "default_location")
    read = load_baseline(aws["s3"], source)
    assert read.feature_names == aws["baseline"].feature_names
    assert read.to_json() == aws["baseline"].to_json()


def test_publishing_the_same_package_twice_writes_the_same_bytes(aws: dict[str, Any]) -> None:
    aws["s3"].put_object(Bucket=BUCKET, Key=RUN_KEY, Body=aws["baseline"].to_json().encode())
    arn = _package(aws["sagemaker"], f"s3://{BUCKET}/{RUN_KEY}")
    target_key = TARGET_URI.removeprefix(f"s3://{BUCKET}/")
    _publish(aws, arn)
    first = aws["s3"].get_object(Bucket=BUCKET, Key=target_key)["Body"].read()
    _publish(aws, arn)
    assert aws["s3"].get_object(Bucket=BUCKET, Key=target_key)["Body"].read() == first
    assert _published_keys(aws) == [target_key]


@pytest.mark.parametrize(
    ("uri", "body", "refusal"),
    [
        (None, None, "has no DriftCheckBaselines.ModelDataQuality.Statistics"),
        (f"s3://other-bucket/{RUN_KEY}", None, "outside the project's build prefix"),
        (f"s3://{BUCKET}/projects/other/build/runs/x/baseline.json", None, "outside the project"),
        (f"s3://{BUCKET}/{RUN_KEY}", b"not json", "is not JSON"),
        (f"s3://{BUCKET}/{RUN_KEY}", json.dumps({"features": []}).encode(), "no features"),
    ],
)
def test_a_package_without_a_usable_baseline_publishes_nothing(
    aws: dict[str, Any], uri: str | None, body: bytes | None, refusal: str
) -> None:
    if body is not None:
        aws["s3"].put_object(Bucket=BUCKET, Key=RUN_KEY, Body=body)
    arn = _package(aws["sagemaker"], uri)
    with pytest.raises(publish_baseline.BaselineRefused, match=refusal):
        _publish(aws, arn)
    assert _published_keys(aws) == []


def test_the_script_exits_non_zero_with_the_reason_so_the_build_fails(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = _package(aws["sagemaker"], None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name, value in {
        "MODEL_PACKAGE_ARN": arn,
        "BASELINE_SOURCE_URI": SOURCE_URI,
        "BASELINE_URI": TARGET_URI,
        "KMS_KEY_ARN": KEY_ARN,
    }.items():
        monkeypatch.setenv(name, value)
    assert publish_baseline.main() == 1
    assert "baseline not published:" in capsys.readouterr().err
    aws["s3"].put_object(Bucket=BUCKET, Key=RUN_KEY, Body=aws["baseline"].to_json().encode())
    arn = _package(aws["sagemaker"], f"s3://{BUCKET}/{RUN_KEY}")
    monkeypatch.setenv("MODEL_PACKAGE_ARN", arn)
    assert publish_baseline.main() == 0
    assert f"published to {TARGET_URI}" in capsys.readouterr().out
