"""The model build of each project: code pipeline, upsert build, roles, seed code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    project_stack,
    properties_at,
    resource_at,
    role_permissions,
)
from tools.event_patterns import matches, substitute

ARTIFACTS = "SsmParameterValuecd4mlsandboxplatformbucketsartifactsbucketname"
SOURCE_KEY = "projects/churn/source/model-build.zip"


def ref_to(fragment: str, value: Any) -> bool:
    return fragment in json.dumps(value)


def test_code_pipeline_is_v2_from_the_s3_zip_to_the_upsert_build(
    sandbox: SynthesizedEnvironment,
) -> None:
    pipeline = properties_at(project_stack(sandbox, "churn"), "Churn/Build/Pipeline/Resource")
    assert pipeline["Name"] == "cd4ml-sandbox-churn-build-code"
    assert (pipeline["PipelineType"], pipeline["ExecutionMode"]) == ("V2", "SUPERSEDED")
    assert ref_to(ARTIFACTS, pipeline["ArtifactStore"]["Location"])
    assert ref_to("platformkeysartifactskeyarn", pipeline["ArtifactStore"]["EncryptionKey"])
    source, upsert = pipeline["Stages"]
    (code,) = source["Actions"]
    assert code["ActionTypeId"]["Provider"] == "S3"
    assert code["Configuration"]["S3ObjectKey"] == SOURCE_KEY
    assert code["Configuration"]["PollForSourceChanges"] is False
    (build,) = upsert["Actions"]
    assert build["ActionTypeId"]["Provider"] == "CodeBuild"
    assert build["InputArtifacts"] == [{"Name": "Code"}]
    assert "RoleArn" not in code and "RoleArn" not in build  # one role for the pipeline


def test_an_upload_of_the_code_zip_starts_the_pipeline_and_nothing_else_does(
    sandbox: SynthesizedEnvironment,
) -> None:
    template = project_stack(sandbox, "churn")
    rule = properties_at(template, "Churn/Build/CodeUploaded/Resource")
    bucket_ref = rule["EventPattern"]["detail"]["bucket"]["name"][0]
    pattern = substitute(rule["EventPattern"], {json.dumps(bucket_ref, sort_keys=True): "lake"})

    def upload(bucket: str, key: str) -> dict[str, Any]:
        return {
            "source": "aws.s3",
            "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}},
        }

    assert matches(pattern, upload("lake", SOURCE_KEY))
    assert not matches(pattern, upload("lake", "projects/churn/source/other.zip"))
    assert not matches(pattern, upload("lake", "projects/other/source/model-build.zip"))
    assert not matches(pattern, upload("elsewhere", SOURCE_KEY))
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 8}
    assert "StartDeadLetters" in json.dumps(target["DeadLetterConfig"])
    permissions = role_permissions(template, "Churn/Build/StartRole")
    assert {a for actions in permissions.values() for a in actions} == {
        "codepipeline:StartPipelineExecution"
    }
    (pipeline,) = permissions
    assert pipeline.endswith(":<ChurnBuildPipelineA80E067D>")


def test_upsert_build_gets_the_seed_codes_environment(sandbox: SynthesizedEnvironment) -> None:
    project = properties_at(project_stack(sandbox, "churn"), "Churn/Build/Upsert/Resource")
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert {k: v for k, v in variables.items() if isinstance(v, str)} == {
        "CD4ML_ENVIRONMENT": "sandbox",
        "CD4ML_PROJECT": "churn",
        "PIPELINE_NAME": "cd4ml-sandbox-churn-build",
        "MODEL_PACKAGE_GROUP": "cd4ml-sandbox-churn",
        "ARTIFACTS_PREFIX": "projects/churn/build",
        "METRIC_NAME": "auc",
        "METRIC_DIRECTION": "higher",
        "MIN_THRESHOLD": "0.75",
    }
    assert ref_to("ChurnBuildExecutionRole", variables["PIPELINE_ROLE_ARN"])
    assert ref_to(ARTIFACTS, variables["ARTIFACTS_BUCKET"])
    assert ref_to("platformkeysartifactskeyarn", variables["KMS_KEY_ARN"])
    assert ref_to("platformnetworksubnetids", variables["SUBNET_IDS"])
    assert ref_to("platformnetworkworkloadsecuritygroupid", variables["SECURITY_GROUP_IDS"])
    assert ref_to("platformbucketsrawbucketname", variables["RAW_DATA_URI"])
    assert variables["RAW_DATA_URI"]["Fn::Join"][1][-1] == "/churn/"
    assert ref_to("platformkeysartifactskeyarn", project["EncryptionKey"])
    assert project["Source"] == {"Type": "CODEPIPELINE"}
    assert project["TimeoutInMinutes"] == 30


def test_execution_role_may_run_jobs_and_register_in_its_own_group_only(
    sandbox: SynthesizedEnvironment,
) -> None:
    template = project_stack(sandbox, "churn")
    _, role = resource_at(template, "Churn/Build/ExecutionRole/Resource")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    permissions = role_permissions(template, "Churn/Build/ExecutionRole")
    register = {r: a for r, a in permissions.items() if "sagemaker:CreateModelPackage" in a}
    assert sorted(register) == [
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package-group/cd4ml-sandbox-churn",
        "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/cd4ml-sandbox-churn/*",
    ]
    (passed,) = [r for r, a in permissions.items() if "iam:PassRole" in a]
    assert "ChurnBuildExecutionRole" in passed
    all_actions = {a for actions in permissions.values() for a in actions}
    assert "sagemaker:CreatePipeline" not in all_actions
    assert not any(a.endswith(":*") or a == "*" for a in all_actions)
    raw = [r for r in permissions if "platformbucketsrawbucketname" in r]
    assert raw and all(r.endswith("/churn/*") or "/" not in r.split(">")[-1] for r in raw)


def test_upsert_role_upserts_only_its_pipeline_and_passes_only_the_execution_role(
    sandbox: SynthesizedEnvironment,
) -> None:
    template = project_stack(sandbox, "churn")
    permissions = role_permissions(template, "Churn/Build/UpsertRole")
    pipeline = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:pipeline/cd4ml-sandbox-churn-build"
    assert permissions[pipeline] == {
        "sagemaker:CreatePipeline",
        "sagemaker:UpdatePipeline",
        "sagemaker:DescribePipeline",
        "sagemaker:AddTags",
    }
    (passed,) = [r for r, a in permissions.items() if "iam:PassRole" in a]
    assert passed == "<ChurnBuildExecutionRole49522217.Arn>"
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if "UpsertRole" in p["Metadata"]["aws:cdk:path"]
    ]
    (pass_statement,) = [s for doc in policies for s in doc if s["Action"] == "iam:PassRole"]
    assert pass_statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_seed_code_is_copied_once_at_creation_with_the_drift_engine_inside(
    sandbox: SynthesizedEnvironment,
) -> None:
    template = project_stack(sandbox, "churn")
    copy = properties_at(template, "Churn/Build/SeedCode/Copy/Resource/Default")
    assert "Update" not in copy and "Delete" not in copy
    create = json.dumps(copy["Create"])
    assert '\\"action\\":\\"copyObject\\"' in create
    assert SOURCE_KEY in create and "SSEKMSKeyId" in create
    assets = json.loads(
        next(sandbox.assembly.directory.rglob("*ProjectChurn*.assets.json")).read_text("utf-8")
    )
    (seed,) = [
        Path(sandbox.assembly.directory, "assembly-sandbox", entry["source"]["path"])
        for asset_hash, entry in assets["files"].items()
        if f"/{asset_hash}.zip" in create
    ]
    assert (seed / "vendor" / "drift_check" / "baseline.py").is_file()
    assert not list(seed.rglob("__pycache__"))
