"""The staging endpoint must answer the sample payload per the churn contract (Stubber)."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws

from tests.pipeline_templates.model_deploy.deploy_code import (
    DEPLOY_CODE,
    smoke_test,
    target_session,
)
from tests.pipeline_templates.model_deploy.registry import ENDPOINT, REGION

PAYLOAD = DEPLOY_CODE / "sample_payload.csv"
CONTRACT_CATEGORIES = (
    {"month-to-month", "one-year", "two-year"},
    {"card", "bank-transfer", "invoice"},
)


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
