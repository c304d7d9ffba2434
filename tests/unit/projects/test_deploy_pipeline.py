"""The model-deploy pipeline: its shape, its actions' settings, its roles, and the packs."""

from __future__ import annotations

import json
from typing import Any

import cfnlint.decode

from cd4ml_constructs.projects.deploy_pipeline import DEPLOY_CODE
from cd4ml_constructs.projects.deploy_pipeline_stages import STAGE_NAMES
from tests.unit.projects import template_reading as reading
from tests.unit.projects.deploy_pipeline_app import (
    BUCKET,
    GROUP,
    KEY_ARN,
    TOPIC_ARN,
    DeployPipelineApp,
)

ENDPOINT_TEMPLATE = DEPLOY_CODE / "endpoint.yaml"


# --- the pipeline ------------------------------------------------------------


def test_the_pipeline_is_v2_queued_named_by_contract_with_the_package_variable(
    local: dict[str, Any],
) -> None:
    pipeline = reading.pipeline(local)
    assert pipeline["Name"] == "cd4ml-sandbox-churn-deploy"
    assert pipeline["PipelineType"] == "V2"
    assert pipeline["ExecutionMode"] == "QUEUED"
    assert pipeline["RestartExecutionOnUpdate"] is False
    assert pipeline["Variables"] == [
        {
            "Name": "ModelPackageArn",
            "DefaultValue": "none",
            "Description": "ARN of the Approved model package version to deploy (deploy trigger)",
        }
    ]
    assert (
        [stage["Name"] for stage in pipeline["Stages"]]
        == list(STAGE_NAMES)
        == [
            "Source",
            "DeployStaging",
            "TestStaging",
            "ApproveProduction",
            "DeployProduction",
            "VerifyProduction",
            "PublishDriftBaseline",
        ]
    )


def test_artifacts_go_to_the_platform_bucket_with_its_key_and_no_bucket_or_key_of_its_own(
    local: dict[str, Any],
) -> None:
    store = reading.pipeline(local)["ArtifactStore"]
    assert store == {
        "Type": "S3",
        "Location": BUCKET,
        "EncryptionKey": {"Type": "KMS", "Id": KEY_ARN},
    }
    assert reading.of_type(local, "AWS::S3::Bucket") == {}
    assert reading.of_type(local, "AWS::KMS::Key") == {}


def test_the_source_is_the_deploy_code_asset_and_starts_no_run(local: dict[str, Any]) -> None:
    source = reading.action(local, "Source", "DeployCode")
    assert source["ActionTypeId"]["Provider"] == "S3"
    assert source["Configuration"]["PollForSourceChanges"] is False
    assert source["Configuration"]["S3ObjectKey"].endswith(".zip")
    assert reading.pipeline(local).get("Triggers") is None
    assert reading.of_type(local, "AWS::Events::Rule") == {}


def test_the_package_check_runs_before_the_staging_stack(local: dict[str, Any]) -> None:
    check = reading.action(local, "DeployStaging", "CheckModelPackage")
    stack = reading.action(local, "DeployStaging", "DeployStagingEndpoint")
    assert (check["RunOrder"], stack["RunOrder"]) == (1, 2)
    variables = json.loads(check["Configuration"]["EnvironmentVariables"])
    assert variables == [
        {"name": "MODEL_PACKAGE_ARN", "type": "PLAINTEXT", "value": "#{variables.ModelPackageArn}"},
        {"name": "MODEL_PACKAGE_GROUP", "type": "PLAINTEXT", "value": GROUP},
    ]


def test_the_approval_notifies_the_approvers_topic(local: dict[str, Any]) -> None:
    approval = reading.action(local, "ApproveProduction", "ApproveProduction")
    assert approval["ActionTypeId"] == {
        "Category": "Approval",
        "Owner": "AWS",
        "Provider": "Manual",
        "Version": "1",
    }
    assert approval["Configuration"]["NotificationArn"] == TOPIC_ARN
    assert "#{variables.ModelPackageArn}" in approval["Configuration"]["CustomData"]
    assert "cd4ml-sandbox-churn-prod" in approval["Configuration"]["CustomData"]


def _overrides(action: dict[str, Any]) -> dict[str, str]:
    return dict(json.loads(reading.render(action["Configuration"]["ParameterOverrides"])))


def test_the_staging_stack_gets_the_exact_package_and_the_platform_values(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    action = reading.action(local, "DeployStaging", "DeployStagingEndpoint")
    config = action["Configuration"]
    # Staging may be replaced when its first create failed; production never.
    assert config["ActionMode"] == "REPLACE_ON_FAILURE"
    assert config["StackName"] == "cd4ml-sandbox-churn-staging-endpoint"
    assert config["TemplatePath"] == "DeployCode::endpoint.yaml"
    assert config.get("Capabilities") is None
    assert config["RoleArn"] == {
        "Fn::GetAtt": [reading.logical_id(deployed.local.staging.deploy_role), "Arn"]
    }
    assert action["Namespace"] == "StagingEndpoint"
    overrides = _overrides(action)
    role_id = reading.logical_id(deployed.local.staging.endpoint_role)
    assert overrides == {
        "Environment": "sandbox",
        "Project": "churn",
        "EndpointName": "cd4ml-sandbox-churn-staging",
        "ModelPackageArn": "#{variables.ModelPackageArn}",
        "ExecutionRoleArn": f"<{role_id}.Arn>",
        "SubnetIds": overrides["SubnetIds"],
        "SecurityGroupIds": overrides["SecurityGroupIds"],
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": "1",
        "KmsKeyArn": KEY_ARN,
        "DataCaptureS3Uri": f"s3://{BUCKET}/data-capture",
        "DataCapturePercent": "100",
        "DeploymentGuardrails": "false",
        "LatencyThresholdMicroseconds": "500000",
        "ErrorThreshold5xx": "1",
    }
    # Deploy-time lists are joined, never indexed at synth.
    subnets = overrides["SubnetIds"].removeprefix("<list <").removesuffix(">>")
    assert local["Parameters"][subnets]["Default"] == "/cd4ml/sandbox/platform/network/subnet-ids"
    assert local["Parameters"][subnets]["Type"] == "AWS::SSM::Parameter::Value<List<String>>"


def test_the_production_stack_gets_the_guardrails(local: dict[str, Any]) -> None:
    action = reading.action(local, "DeployProduction", "DeployProductionEndpoint")
    assert action["Configuration"]["StackName"] == "cd4ml-sandbox-churn-prod-endpoint"
    assert action["Configuration"]["ActionMode"] == "CREATE_UPDATE"
    overrides = _overrides(action)
    assert {
        k: overrides[k]
        for k in (
            "EndpointName",
            "InitialInstanceCount",
            "DeploymentGuardrails",
            "CanaryPercent",
            "CanaryWaitSeconds",
            "BakingSeconds",
            "DeploymentTimeoutSeconds",
        )
    } == {
        "EndpointName": "cd4ml-sandbox-churn-prod",
        "InitialInstanceCount": "2",
        "DeploymentGuardrails": "true",
        "CanaryPercent": "10",
        "CanaryWaitSeconds": "600",
        "BakingSeconds": "600",
        "DeploymentTimeoutSeconds": "4800",
    }


def test_every_override_is_a_template_parameter_and_every_required_one_is_given(
    deployed: DeployPipelineApp,
) -> None:
    template, problems = cfnlint.decode.decode(ENDPOINT_TEMPLATE)
    assert problems == []
    parameters = template["Parameters"]
    required = {name for name, spec in parameters.items() if "Default" not in spec}
    for given in (deployed.local.staging_parameters, deployed.local.production_parameters):
        assert set(given) <= set(parameters)
        assert required <= set(given)


def test_the_verify_checks_read_what_the_stack_created(local: dict[str, Any]) -> None:
    for stage, action, namespace, endpoint in (
        ("TestStaging", "VerifyAndSmokeTest", "StagingEndpoint", "cd4ml-sandbox-churn-staging"),
        ("VerifyProduction", "VerifyProduction", "ProductionEndpoint", "cd4ml-sandbox-churn-prod"),
    ):
        config = reading.action(local, stage, action)["Configuration"]
        variables = {v["name"]: v["value"] for v in json.loads(config["EnvironmentVariables"])}
        assert variables == {
            "STAGE": "staging" if namespace == "StagingEndpoint" else "prod",
            "ENDPOINT_NAME": endpoint,
            "EXPECTED_ENDPOINT_CONFIG": f"#{{{namespace}.EndpointConfigName}}",
            "EXPECTED_MODEL": f"#{{{namespace}.ModelName}}",
            "MODEL_PACKAGE_ARN": "#{variables.ModelPackageArn}",
        }


def test_each_check_runs_its_own_buildspec_from_the_source(local: dict[str, Any]) -> None:
    specs = sorted(
        project["Properties"]["Source"]["BuildSpec"]
        for project in reading.of_type(local, "AWS::CodeBuild::Project").values()
    )
    assert specs == [
        "buildspec_check_package.yml",
        "buildspec_publish_baseline.yml",
        "buildspec_staging_test.yml",
        "buildspec_verify_production.yml",
    ]
    for spec in specs:
        assert (DEPLOY_CODE / spec).is_file()
    for project in reading.of_type(local, "AWS::CodeBuild::Project").values():
        assert project["Properties"]["Source"]["Type"] == "CODEPIPELINE"
        assert project["Properties"]["EncryptionKey"] == KEY_ARN
        assert project["Properties"]["Environment"]["PrivilegedMode"] is False
