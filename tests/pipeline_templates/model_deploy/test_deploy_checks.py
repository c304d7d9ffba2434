"""The deploy pipeline's checks against moto (and botocore's Stubber where moto falls short)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from tests.pipeline_templates.model_deploy.deploy_code import (
    DEPLOY_CODE,
    check_package,
    smoke_test,
    target_session,
    verify_endpoint,
)

REGION = "us-east-1"
GROUP = "cd4ml-sandbox-churn"
ENDPOINT = "cd4ml-sandbox-churn-staging"
ROLE = "arn:aws:iam::123456789012:role/endpoint"
PAYLOAD = DEPLOY_CODE / "sample_payload.csv"
CONTRACT_CATEGORIES = (
    {"month-to-month", "one-year", "two-year"},
    {"card", "bank-transfer", "invoice"},
)


@pytest.fixture
def sagemaker() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        client.create_model_package_group(ModelPackageGroupName="cd4ml-sandbox-other")
        yield client


def _package(sagemaker: Any, status: str, group: str = GROUP) -> str:
    return str(
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )["ModelPackageArn"]
    )


def _model_and_config(sagemaker: Any, suffix: str, package_arn: str) -> tuple[str, str]:
    model, config = f"Model-{suffix}", f"EndpointConfig-{suffix}"
    sagemaker.create_model(
        ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": package_arn}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    return model, config


# --- check_package ----------------------------------------------------------


def test_an_approved_version_of_the_project_group_may_deploy(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved")
    assert (
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)
        == arn
    )


@pytest.mark.parametrize("status", ["PendingManualApproval", "Rejected"])
def test_a_version_that_is_not_approved_is_refused(sagemaker: Any, status: str) -> None:
    arn = _package(sagemaker, status)
    with pytest.raises(check_package.PackageRefused, match=f"is {status}, not Approved"):
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)


def test_a_version_of_another_group_is_refused_before_any_call(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved", group="cd4ml-sandbox-other")
    with pytest.raises(check_package.PackageRefused, match="deploys only 'cd4ml-sandbox-churn'"):
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)


@pytest.mark.parametrize(
    "value", ["", "none", f"arn:aws:sagemaker:{REGION}:123456789012:model-package-group/{GROUP}"]
)
def test_a_run_without_a_version_arn_is_refused(sagemaker: Any, value: str) -> None:
    with pytest.raises(check_package.PackageRefused):
        check_package.check_package(sagemaker, model_package_arn=value, model_package_group=GROUP)


# --- verify_endpoint --------------------------------------------------------


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
    from datetime import datetime

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


# --- smoke_test -------------------------------------------------------------


def _runtime_answering(body: str) -> tuple[Any, Stubber]:
    runtime = boto3.client(
        "sagemaker-runtime", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(runtime)
    payload, _ = smoke_test.read_payload(PAYLOAD)
    raw = body.encode()
    stub.add_response(
        "invoke_endpoint",
        {"Body": StreamingBody(io.BytesIO(raw), len(raw)), "ContentType": "text/csv"},
        {
            "EndpointName": ENDPOINT,
            "ContentType": "text/csv",
            "Accept": "text/csv",
            "Body": payload,
        },
    )
    return runtime, stub


def test_the_sample_payload_follows_the_churn_contract() -> None:
    _, rows = smoke_test.read_payload(PAYLOAD)
    assert rows == 8
    for line in PAYLOAD.read_text().splitlines():
        tenure, monthly, total, calls, contract, payment = line.split(",")
        assert int(tenure) >= 0 and int(calls) >= 0
        assert float(monthly) > 0 and float(total) >= float(monthly) - 1e-9
        assert contract in CONTRACT_CATEGORIES[0] and payment in CONTRACT_CATEGORIES[1]


def test_a_right_answer_passes() -> None:
    answer = "\n".join(["0.91", "0.05", "0.5", "0", "1", "1e-3", "0.25", "0.75"]) + "\n"
    runtime, stub = _runtime_answering(answer)
    with stub:
        scores = smoke_test.smoke_test(runtime, endpoint_name=ENDPOINT, payload_path=PAYLOAD)
    assert scores == [0.91, 0.05, 0.5, 0.0, 1.0, 0.001, 0.25, 0.75]
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("0.1\n0.2\n0.3\n", "8 rows sent, 3 lines answered"),
        ("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8\n", "8 rows sent, 1 lines answered"),
        (
            "0.1\n0.2\n0.3\n0.4\n0.5\n0.6\n0.7\n1.5\n",
            r"line 8 is not a probability in \[0, 1\]: 1.5",
        ),
        ("0.1\n0.2\n0.3\n0.4\n0.5\n0.6\n0.7\n-0.01\n", "line 8 is not a probability"),
        ("0.1\n0.2\n0.3\nnan\n0.5\n0.6\n0.7\n0.8\n", "line 4 is not a probability"),
        ("0.1\n0.2\n0.3\nyes\n0.5\n0.6\n0.7\n0.8\n", "line 4 is not a number: 'yes'"),
    ],
)
def test_a_wrong_answer_fails(answer: str, message: str) -> None:
    runtime, stub = _runtime_answering(answer)
    with stub, pytest.raises(smoke_test.SmokeTestFailed, match=message):
        smoke_test.smoke_test(runtime, endpoint_name=ENDPOINT, payload_path=PAYLOAD)


def test_a_malformed_sample_is_refused(tmp_path: Any) -> None:
    sample = tmp_path / "sample.csv"
    sample.write_text("1,70.35,70.35,4,month-to-month\n")
    with pytest.raises(smoke_test.SmokeTestFailed, match="row 1 has not 6 columns"):
        smoke_test.read_payload(sample)


# --- the session in the endpoint's account -----------------------------------


def test_checks_assume_the_target_accounts_verify_role_when_named() -> None:
    with mock_aws():
        role = "arn:aws:iam::222222222222:role/cd4ml-sandbox-churn-prod-verify"
        session = target_session.target_session({"TARGET_ROLE_ARN": role, "STAGE": "prod"})
        identity = session.client("sts", region_name=REGION).get_caller_identity()
        assert (
            identity["Arn"]
            == "arn:aws:sts::222222222222:assumed-role/cd4ml-sandbox-churn-prod-verify/cd4ml-deploy-check-prod"
        )
        own = (
            target_session.target_session({})
            .client("sts", region_name=REGION)
            .get_caller_identity()
        )
        assert own["Account"] == "123456789012"


def test_a_missing_setting_stops_the_check_naming_it() -> None:
    with pytest.raises(SystemExit, match="EXPECTED_MODEL is not set"):
        target_session.required({"EXPECTED_MODEL": " "}, "EXPECTED_MODEL")
