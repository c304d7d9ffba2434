"""The live endpoint must serve this deploy's config, model and package (moto, Stubber)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.pipeline_templates.model_deploy.deploy_code import verify_endpoint
from tests.pipeline_templates.model_deploy.registry import ENDPOINT, REGION
from tests.pipeline_templates.model_deploy.registry import model_and_config as _model_and_config
from tests.pipeline_templates.model_deploy.registry import package as _package


def test_an_endpoint_serving_this_deploy_passes(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved")
    model, config = _model_and_config(sagemaker, "new", arn)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config)
    verify_endpoint.verify_endpoint(
        sagemaker,
        endpoint_name=ENDPOINT,
        endpoint_config_name=config,
        model_name=model,
        model_package_arn=arn,
    )


def test_an_endpoint_still_on_the_old_config_fails(sagemaker: Any) -> None:
    # SageMaker rolled the update back: InService, but on the previous config.
    old_arn, new_arn = _package(sagemaker, "Approved"), _package(sagemaker, "Approved")
    _, old_config = _model_and_config(sagemaker, "old", old_arn)
    new_model, new_config = _model_and_config(sagemaker, "new", new_arn)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=old_config)
    with pytest.raises(
        verify_endpoint.EndpointMismatch,
        match="serves endpoint config EndpointConfig-old, not EndpointConfig-new",
    ):
        verify_endpoint.verify_endpoint(
            sagemaker,
            endpoint_name=ENDPOINT,
            endpoint_config_name=new_config,
            model_name=new_model,
            model_package_arn=new_arn,
        )


def test_a_config_serving_another_model_fails(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved")
    _, config = _model_and_config(sagemaker, "new", arn)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config)
    with pytest.raises(
        verify_endpoint.EndpointMismatch, match="serves Model-new, not only Model-other"
    ):
        verify_endpoint.verify_endpoint(
            sagemaker,
            endpoint_name=ENDPOINT,
            endpoint_config_name=config,
            model_name="Model-other",
            model_package_arn=arn,
        )


def test_a_model_built_from_another_version_fails(sagemaker: Any) -> None:
    deployed, expected = _package(sagemaker, "Approved"), _package(sagemaker, "Approved")
    model, config = _model_and_config(sagemaker, "new", deployed)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config)
    with pytest.raises(verify_endpoint.EndpointMismatch, match=f"not from {expected}"):
        verify_endpoint.verify_endpoint(
            sagemaker,
            endpoint_name=ENDPOINT,
            endpoint_config_name=config,
            model_name=model,
            model_package_arn=expected,
        )


def _describe(status: str, config: str = "EndpointConfig-new", **extra: Any) -> dict[str, Any]:
    now = datetime(2026, 1, 1)
    return {
        "EndpointName": ENDPOINT,
        "EndpointArn": f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/{ENDPOINT}",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": now,
        "LastModifiedTime": now,
        **extra,
    }


def test_the_check_waits_while_the_endpoint_updates_then_judges_it() -> None:
    # moto has no update_endpoint: the Updating phase is stubbed (botocore Stubber).
    client = boto3.client(
        "sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    sleeps: list[float] = []
    with Stubber(client) as stub:
        stub.add_response("describe_endpoint", _describe("Updating"), {"EndpointName": ENDPOINT})
        stub.add_response("describe_endpoint", _describe("Updating"), {"EndpointName": ENDPOINT})
        stub.add_response(
            "describe_endpoint",
            _describe(
                "InService",
                "EndpointConfig-old",
                FailureReason="alarm cd4ml-sandbox-churn-prod-5xx-errors in ALARM",
            ),
            {"EndpointName": ENDPOINT},
        )
        with pytest.raises(
            verify_endpoint.EndpointMismatch,
            match=r"rolled back \(alarm cd4ml-sandbox-churn-prod-5xx-errors in ALARM\)",
        ):
            verify_endpoint.verify_endpoint(
                client,
                endpoint_name=ENDPOINT,
                endpoint_config_name="EndpointConfig-new",
                model_name="Model-new",
                model_package_arn="arn",
                sleep=sleeps.append,
            )
    assert sleeps == [30, 30]


def test_an_endpoint_that_failed_fails_with_its_reason() -> None:
    client = boto3.client(
        "sagemaker", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_response(
            "describe_endpoint",
            _describe("Failed", FailureReason="image not found"),
            {"EndpointName": ENDPOINT},
        )
        with pytest.raises(
            verify_endpoint.EndpointMismatch, match="is Failed, not InService: image not found"
        ):
            verify_endpoint.wait_in_service(
                client, ENDPOINT, timeout_seconds=60, sleep=lambda _: None
            )


def test_the_script_reads_the_pipelines_variables_and_exits_non_zero_on_a_mismatch(
    sagemaker: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_arn, new_arn = _package(sagemaker, "Approved"), _package(sagemaker, "Approved")
    _, old_config = _model_and_config(sagemaker, "old", old_arn)
    new_model, new_config = _model_and_config(sagemaker, "new", new_arn)
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=old_config)
    for name, value in {
        "ENDPOINT_NAME": ENDPOINT,
        "EXPECTED_ENDPOINT_CONFIG": new_config,
        "EXPECTED_MODEL": new_model,
        "MODEL_PACKAGE_ARN": new_arn,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TARGET_ROLE_ARN", raising=False)
    assert verify_endpoint.main() == 1
    assert (
        "verify failed: cd4ml-sandbox-churn-staging serves endpoint config EndpointConfig-old"
        in capsys.readouterr().err
    )
    monkeypatch.setenv("EXPECTED_ENDPOINT_CONFIG", old_config)
    monkeypatch.setenv("EXPECTED_MODEL", "Model-old")
    monkeypatch.setenv("MODEL_PACKAGE_ARN", old_arn)
    assert verify_endpoint.main() == 0
