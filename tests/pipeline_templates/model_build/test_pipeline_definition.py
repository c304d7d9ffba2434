"""The model-build pipeline definition, built offline: no credentials, no AWS call, no network.

A botocore hook records (and refuses) every API call and a requests hook every
HTTP request while the definitions are built; the SDK is imported once, here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from build_pipeline.code_bundle import CodeBundle
from build_pipeline.settings import EXAMPLE_ENVIRONMENT, BuildSettings
from tests.pipeline_templates.model_build.conftest import DRIFT_ENGINE

SETTINGS = BuildSettings.from_environment(EXAMPLE_ENVIRONMENT)
KEY = EXAMPLE_ENVIRONMENT["KMS_KEY_ARN"]
SUBNETS = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
GROUPS = ["sg-0cccccccccccccccc"]


@pytest.fixture(scope="module")
def offline_definitions() -> Iterator[tuple[dict[str, Any], dict[str, Any], list[str]]]:
    """The definitions for direction higher and lower, and every outside call tried meanwhile."""
    import botocore.client
    import requests

    attempts: list[str] = []

    def refuse_api_call(client: Any, operation: str, params: Any) -> Any:
        attempts.append(f"{client.meta.service_model.service_name}.{operation}")
        raise AssertionError(f"AWS call {operation} while building a definition offline")

    def refuse_request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        attempts.append(f"HTTP {method} {url}")
        raise AssertionError(f"HTTP request to {url} while building a definition offline")

    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        patch.setenv("AWS_CONFIG_FILE", "/nonexistent")
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setattr(botocore.client.BaseClient, "_make_api_call", refuse_api_call)
        patch.setattr(requests.Session, "request", refuse_request)
        from pipeline import definition_json

        bundle = CodeBundle.build(drift_engine=DRIFT_ENGINE)
        higher = json.loads(definition_json(SETTINGS, bundle))
        lower_settings = BuildSettings.from_environment(
            {**EXAMPLE_ENVIRONMENT, "METRIC_NAME": "f1", "METRIC_DIRECTION": "lower"}
        )
        lower = json.loads(definition_json(lower_settings, bundle))
    yield higher, lower, attempts


@pytest.fixture(scope="module")
def definition(
    offline_definitions: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> dict[str, Any]:
    return offline_definitions[0]


def steps_of(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps = {step["Name"]: step for step in definition["Steps"]}
    for step in list(steps.values()):
        if step["Type"] == "Condition":
            for inner in step["Arguments"]["IfSteps"] + step["Arguments"]["ElseSteps"]:
                steps[inner["Name"]] = inner
    return steps


def test_building_the_definitions_made_no_outside_call(offline_definitions: Any) -> None:
    assert offline_definitions[2] == []


def test_steps_and_their_order(definition: dict[str, Any]) -> None:
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Preprocess", "Processing"), ("Train", "Training"), ("Evaluate", "Processing"),
        ("Baseline", "Processing"), ("CheckMetric", "Condition"),
    ]  # fmt: skip
    condition = steps_of(definition)["CheckMetric"]["Arguments"]
    assert [s["Name"] for s in condition["IfSteps"]] == ["RegisterModel"]
    assert [(s["Name"], s["Type"]) for s in condition["ElseSteps"]] == [
        ("MetricBelowThreshold", "Fail")
    ]


def test_parameters_carry_what_the_retrain_trigger_sends(definition: dict[str, Any]) -> None:
    assert definition["Parameters"] == [
        {"Name": "TriggerReason", "Type": "String", "DefaultValue": ""},
        {"Name": "TriggerSource", "Type": "String", "DefaultValue": ""},
        {"Name": "TriggerEventId", "Type": "String", "DefaultValue": ""},
        {
            "Name": "InputDataUri",
            "Type": "String",
            "DefaultValue": "s3://cd4ml-sandbox-raw-123456789012/churn/",
        },
    ]
    environment = steps_of(definition)["Preprocess"]["Arguments"]["Environment"]
    assert environment == {
        "RAW_DATA_URI": {"Get": "Parameters.InputDataUri"},
        "TRIGGER_REASON": {"Get": "Parameters.TriggerReason"},
        "TRIGGER_SOURCE": {"Get": "Parameters.TriggerSource"},
        "TRIGGER_EVENT_ID": {"Get": "Parameters.TriggerEventId"},
    }


def test_the_condition_reads_the_metric_from_the_evaluation_report(
    offline_definitions: tuple[dict[str, Any], dict[str, Any], list[str]],
) -> None:
    higher, lower, _ = offline_definitions
    [condition] = steps_of(higher)["CheckMetric"]["Arguments"]["Conditions"]
    assert condition == {
        "Type": "GreaterThanOrEqualTo",
        "LeftValue": {"Std:JsonGet": {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
            "Path": "binary_classification_metrics.auc.value"}},
        "RightValue": 0.75,
    }  # fmt: skip
    [reverse] = steps_of(lower)["CheckMetric"]["Arguments"]["Conditions"]
    assert reverse["Type"] == "LessThanOrEqualTo"
    assert reverse["LeftValue"]["Std:JsonGet"]["Path"] == "binary_classification_metrics.f1.value"
    assert steps_of(higher)["Evaluate"]["PropertyFiles"] == [
        {
            "PropertyFileName": "EvaluationReport",
            "OutputName": "evaluation",
            "FilePath": "evaluation.json",
        }
    ]
    message = steps_of(higher)["MetricBelowThreshold"]["Arguments"]["ErrorMessage"]["Std:Join"]
    assert message["Values"][0] == "model held back: auc ="
    assert "below the project's minimum 0.75" in message["Values"][2]


def test_every_job_encrypts_with_the_platform_key_in_the_platform_network(
    definition: dict[str, Any],
) -> None:
    steps = steps_of(definition)
    for name in ("Preprocess", "Evaluate", "Baseline"):
        arguments = steps[name]["Arguments"]
        assert arguments["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KEY, name
        assert arguments["ProcessingOutputConfig"]["KmsKeyId"] == KEY, name
        assert arguments["NetworkConfig"] == {
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": GROUPS, "Subnets": SUBNETS},
        }, name  # fmt: skip
        assert arguments["AppSpecification"]["ContainerEntrypoint"] == [
            "python3", f"/opt/ml/processing/input/code/steps/{name.lower()}.py"
        ]  # fmt: skip
    training = steps["Train"]["Arguments"]
    assert training["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert training["OutputDataConfig"]["KmsKeyId"] == KEY
    assert training["VpcConfig"] == {"SecurityGroupIds": GROUPS, "Subnets": SUBNETS}
    assert training["EnableNetworkIsolation"] is True
    assert training["EnableInterContainerTrafficEncryption"] is True


def test_code_comes_from_the_content_addressed_bundle(definition: dict[str, Any]) -> None:
    bundle = CodeBundle.build(drift_engine=DRIFT_ENGINE)
    code_uri = (
        f"s3://cd4ml-sandbox-artifacts-123456789012/projects/churn/build/code/{bundle.bundle_id}"
    )
    steps = steps_of(definition)
    code_input = steps["Baseline"]["Arguments"]["ProcessingInputs"][0]
    assert code_input["S3Input"]["S3Uri"] == f"{code_uri}/processing/"
    assert code_input["S3Input"]["LocalPath"] == "/opt/ml/processing/input/code"
    training = steps["Train"]["Arguments"]
    channels = {
        c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
        for c in training["InputDataConfig"]
    }
    assert channels["code"] == f"{code_uri}/training/sourcedir.tar.gz"
    assert channels["train"] == {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"
    }
    assert (
        training["HyperParameters"]["sagemaker_submit_directory"]
        == '"/opt/ml/input/data/code/sourcedir.tar.gz"'
    )
    assert training["AlgorithmSpecification"]["TrainingImage"].endswith(
        "/sagemaker-scikit-learn:1.9-0-cpu-py3"
    )


def test_registration_is_pending_with_metrics_baseline_and_metadata(
    definition: dict[str, Any],
) -> None:
    arguments = steps_of(definition)["RegisterModel"]["Arguments"]
    assert arguments["ModelApprovalStatus"] == "PendingManualApproval"
    assert arguments["ModelPackageGroupName"] == "cd4ml-sandbox-churn"
    assert arguments["ModelMetrics"]["ModelQuality"]["Statistics"] == {
        "ContentType": "application/json",
        "S3Uri": {"Std:Join": {"On": "/", "Values": [
            {"Get": "Steps.Evaluate.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"},
            "evaluation.json"]}},
    }  # fmt: skip
    assert arguments["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"] == {
        "ContentType": "application/json",
        "S3Uri": {"Std:Join": {"On": "/", "Values": [
            {"Get": "Steps.Baseline.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri"},
            "baseline.json"]}},
    }  # fmt: skip
    metadata = arguments["CustomerMetadataProperties"]
    record = {"Get": "Steps.Preprocess.PropertyFiles.BuildRecord"}
    assert metadata["data-manifest-sha256"] == {
        "Std:JsonGet": {"PropertyFile": record, "Path": "data_manifest_sha256"}
    }
    assert metadata["trigger-reason"] == {
        "Std:JsonGet": {"PropertyFile": record, "Path": "trigger_reason"}
    }
    assert metadata["code-commit"] == "0000000000000000000000000000000000000000"
    assert {k: v for k, v in metadata.items() if k.startswith("param-")} == {
        "param-metric": "auc higher", "param-min-threshold": "0.75",
        "param-regularization": "1.0", "param-max-iter": "500", "param-seed": "42",
    }  # fmt: skip
    assert arguments["MetadataProperties"] == {
        "CommitId": "0000000000000000000000000000000000000000",
        "GeneratedBy": {"Get": "Execution.PipelineExecutionArn"},
        "ProjectId": "churn",
    }
    [container] = arguments["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
    assert arguments["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]


def test_outputs_of_a_run_stay_under_the_projects_build_prefix(definition: dict[str, Any]) -> None:
    outputs = steps_of(definition)["Preprocess"]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
    train_output = next(o for o in outputs if o["OutputName"] == "train")["S3Output"]["S3Uri"]
    assert train_output == {"Std:Join": {"On": "/", "Values": [
        {"Std:Join": {"On": "/", "Values": [
            "s3://cd4ml-sandbox-artifacts-123456789012/projects/churn/build", "runs",
            {"Get": "Execution.PipelineExecutionId"}]}},
        "train"]}}  # fmt: skip
    model_path = steps_of(definition)["Train"]["Arguments"]["OutputDataConfig"]["S3OutputPath"]
    assert model_path == "s3://cd4ml-sandbox-artifacts-123456789012/projects/churn/build/models"


def test_upsert_uploads_the_bundle_with_the_key_then_creates_or_updates_the_pipeline(
    offline_definitions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto import mock_aws

    from pipeline import upsert

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    bundle = CodeBundle.build(drift_engine=DRIFT_ENGINE)
    bucket = EXAMPLE_ENVIRONMENT["ARTIFACTS_BUCKET"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        first = upsert(SETTINGS, bundle)
        second = upsert(SETTINGS, bundle)  # the next commit's build updates it
        described = boto3.client("sagemaker", region_name="us-east-1").describe_pipeline(
            PipelineName="cd4ml-sandbox-churn-build"
        )
        key = f"projects/churn/build/code/{bundle.bundle_id}/processing/steps/train.py"
        stored = s3.head_object(Bucket=bucket, Key=key)
    assert (
        first
        == second
        == "arn:aws:sagemaker:us-east-1:123456789012:pipeline/cd4ml-sandbox-churn-build"
    )
    assert described["RoleArn"] == EXAMPLE_ENVIRONMENT["PIPELINE_ROLE_ARN"]
    assert json.loads(described["PipelineDefinition"]) == offline_definitions[0]
    assert stored["SSEKMSKeyId"] == KEY
