"""The endpoint template: cfn-lint clean, no fixed names, guardrails, capture with the CMK."""

from __future__ import annotations

from typing import Any

import cfnlint.api
import cfnlint.decode
import pytest

from tests.pipeline_templates.model_deploy.deploy_code import DEPLOY_CODE

TEMPLATE = DEPLOY_CODE / "endpoint.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = cfnlint.decode.decode(TEMPLATE)
    assert problems == []
    return dict(decoded)


def _resource(template: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [r for r in template["Resources"].values() if r["Type"] == kind]
    return dict(found["Properties"])


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_cfn_lint_finds_nothing(region: str) -> None:
    config = cfnlint.api.ManualArgs(regions=[region])
    assert [str(m) for m in cfnlint.api.lint_file(TEMPLATE, config=config)] == []


def test_models_and_configs_have_no_names_and_the_endpoint_has_the_contract_name(
    template: dict[str, Any],
) -> None:
    assert "ModelName" not in _resource(template, "AWS::SageMaker::Model")
    assert "EndpointConfigName" not in _resource(template, "AWS::SageMaker::EndpointConfig")
    endpoint = _resource(template, "AWS::SageMaker::Endpoint")
    assert endpoint["EndpointName"] == {"Ref": "EndpointName"}
    assert endpoint["EndpointConfigName"] == {
        "Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]
    }


def test_the_model_serves_the_exact_package_isolated_in_the_platform_vpc(
    template: dict[str, Any],
) -> None:
    model = _resource(template, "AWS::SageMaker::Model")
    assert model["PrimaryContainer"] == {"ModelPackageName": {"Ref": "ModelPackageArn"}}
    assert model["EnableNetworkIsolation"] is True
    assert model["VpcConfig"] == {
        "Subnets": {"Ref": "SubnetIds"},
        "SecurityGroupIds": {"Ref": "SecurityGroupIds"},
    }
    assert template["Parameters"]["SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"


def test_capture_and_volumes_are_encrypted_with_the_platform_key(template: dict[str, Any]) -> None:
    config = _resource(template, "AWS::SageMaker::EndpointConfig")
    assert config["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["KmsKeyId"] == {"Ref": "KmsKeyArn"}
    assert capture["DestinationS3Uri"] == {"Ref": "DataCaptureS3Uri"}
    assert capture["InitialSamplingPercentage"] == {"Ref": "DataCapturePercent"}
    assert template["Parameters"]["DataCapturePercent"]["Default"] == 100
    assert capture["CaptureOptions"] == [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]
    assert capture["CaptureContentTypeHeader"] == {"CsvContentTypes": ["text/csv"]}
    # SageMaker appends /<endpoint>/<variant>/yyyy/mm/dd/hh/: where the drift check reads.
    assert template["Parameters"]["DataCaptureS3Uri"]["AllowedPattern"].endswith("/data-capture$")


def test_production_updates_are_canary_with_rollback_on_the_templates_alarms(
    template: dict[str, Any],
) -> None:
    condition, guarded, otherwise = _resource(template, "AWS::SageMaker::Endpoint")[
        "DeploymentConfig"
    ]["Fn::If"]
    assert template["Conditions"][condition] == {
        "Fn::Equals": [{"Ref": "DeploymentGuardrails"}, "true"]
    }
    assert otherwise == {"Ref": "AWS::NoValue"}
    policy = guarded["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"] == {
        "Type": "CANARY",
        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": {"Ref": "CanaryPercent"}},
        "WaitIntervalInSeconds": {"Ref": "CanaryWaitSeconds"},
    }
    assert policy["TerminationWaitInSeconds"] == {"Ref": "BakingSeconds"}
    assert guarded["AutoRollbackConfiguration"]["Alarms"] == [
        {"AlarmName": {"Ref": "ErrorAlarm"}},
        {"AlarmName": {"Ref": "LatencyAlarm"}},
    ]
    errors = template["Resources"]["ErrorAlarm"]
    latency = template["Resources"]["LatencyAlarm"]
    assert errors["Type"] == latency["Type"] == "AWS::CloudWatch::Alarm"
    assert errors["Properties"]["MetricName"] == "Invocation5XXErrors"
    assert errors["Properties"]["Threshold"] == {"Ref": "ErrorThreshold5xx"}
    assert latency["Properties"]["MetricName"] == "ModelLatency"
    assert latency["Properties"]["Threshold"] == {"Ref": "LatencyThresholdMicroseconds"}
    for alarm in (errors, latency):
        assert alarm["Properties"]["Namespace"] == "AWS/SageMaker"
        assert {"Name": "EndpointName", "Value": {"Ref": "EndpointName"}} in alarm["Properties"][
            "Dimensions"
        ]


def test_the_outputs_are_what_the_verify_check_reads(template: dict[str, Any]) -> None:
    assert {name: output["Value"] for name, output in template["Outputs"].items()} == {
        "EndpointName": {"Fn::GetAtt": ["Endpoint", "EndpointName"]},
        "EndpointConfigName": {"Fn::GetAtt": ["EndpointConfig", "EndpointConfigName"]},
        "ModelName": {"Fn::GetAtt": ["Model", "ModelName"]},
    }


ROLES_TEMPLATE = DEPLOY_CODE.parent / "target_account_roles.yaml"


def test_the_target_account_roles_follow_the_contract_and_pass_only_what_they_must() -> None:
    config = cfnlint.api.ManualArgs(regions=["us-east-1"])
    assert [str(m) for m in cfnlint.api.lint_file(ROLES_TEMPLATE, config=config)] == []
    roles, problems = cfnlint.decode.decode(ROLES_TEMPLATE)
    assert problems == []
    names = {
        logical_id: resource["Properties"]["RoleName"]["Fn::Sub"]
        for logical_id, resource in roles["Resources"].items()
    }
    assert names == {
        f"{kind}Role": f"cd4ml-${{Environment}}-${{Project}}-${{Stage}}-{suffix}"
        for kind, suffix in (
            ("Endpoint", "endpoint"),
            ("CloudFormation", "cfn"),
            ("Deploy", "deploy"),
            ("Verify", "verify"),
        )
    }
    passes = {}
    for logical_id, resource in roles["Resources"].items():
        assert resource["Properties"]["PermissionsBoundary"] == {"Ref": "PermissionsBoundaryArn"}
        for policy in resource["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement.get("Action") == "iam:PassRole":
                    passes[logical_id] = statement
    assert passes["CloudFormationRole"]["Resource"] == {"Fn::GetAtt": ["EndpointRole", "Arn"]}
    assert passes["CloudFormationRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    assert passes["DeployRole"]["Resource"] == {"Fn::GetAtt": ["CloudFormationRole", "Arn"]}
    assert set(passes) == {"CloudFormationRole", "DeployRole"}
