"""The deploy pipeline's roles hold exactly what they need; cross-account uses the contract roles."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from config.project_deploy import DeployConfig
from tests.unit.projects import template_reading as reading
from tests.unit.projects.deploy_pipeline_app import (
    BUCKET,
    GROUP,
    KEY_ARN,
    MESSAGES_KEY_ARN,
    PROD_ACCOUNT,
    STAGING_ACCOUNT,
    DeployPipelineApp,
    add_deploy_pipeline,
)
from tools.cloud_assembly import CloudAssembly

SAGEMAKER = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"


def _statements(template: dict[str, Any], role: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    return reading.by_actions(reading.statements(template, role))


def _all_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in reading.of_type(template, "AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_cloudformation_role_may_touch_only_its_endpoint(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    target = deployed.local.staging
    statements = _statements(local, target.deploy_role)
    endpoint = f"{SAGEMAKER}:endpoint/cd4ml-sandbox-churn-staging"
    models, configs = f"{SAGEMAKER}:model/*", f"{SAGEMAKER}:endpoint-config/*"
    create = statements[("sagemaker:CreateEndpointConfig", "sagemaker:CreateModel")]
    assert reading.resources(create) == [models, configs]
    assert create["Condition"] == {"StringEquals": {"aws:RequestTag/cd4ml:project": "churn"}}
    delete = statements[("sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel")]
    assert delete["Condition"] == {"StringEquals": {"aws:ResourceTag/cd4ml:project": "churn"}}
    endpoint_actions = statements[
        (
            "sagemaker:CreateEndpoint",
            "sagemaker:DeleteEndpoint",
            "sagemaker:DescribeEndpoint",
            "sagemaker:UpdateEndpoint",
        )
    ]
    assert reading.resources(endpoint_actions) == [endpoint, configs]
    package = statements[("sagemaker:DescribeModelPackage",)]
    assert reading.resources(package) == [f"{SAGEMAKER}:model-package/{GROUP}/*"]
    alarms = statements[
        (
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource",
            "cloudwatch:UntagResource",
        )
    ]
    assert reading.resources(alarms) == [
        f"arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:{name}"
        for name in (
            "cd4ml-sandbox-churn-staging-5xx-errors",
            "cd4ml-sandbox-churn-staging-model-latency",
        )
    ]
    grant = statements[("kms:CreateGrant",)]
    assert grant["Resource"] == KEY_ARN
    assert grant["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    read = statements[("s3:GetBucket*", "s3:GetObject*", "s3:List*")]
    assert (
        reading.resources(read)[1] == f"arn:<AWS::Partition>:s3:::{BUCKET}/cd4ml-sandbox-churn-/*"
    )


def test_the_cloudformation_role_passes_only_the_endpoint_role_and_only_to_sagemaker(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    for target in (deployed.local.staging, deployed.local.production):
        passes = _statements(local, target.deploy_role)[("iam:PassRole",)]
        assert passes["Resource"] == {
            "Fn::GetAtt": [reading.logical_id(target.endpoint_role), "Arn"]
        }
        assert passes["Condition"] == {
            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
        }


def test_no_role_may_pass_any_role_or_pass_without_a_service_condition(
    local: dict[str, Any], cross: dict[str, Any]
) -> None:
    passes = [
        statement
        for template in (local, cross)
        for statement in _all_statements(template)
        if "iam:PassRole" in json.dumps(statement["Action"])
    ]
    assert len(passes) == 3  # staging and production CloudFormation roles, the pipeline role
    for statement in passes:
        assert statement["Action"] == "iam:PassRole"
        assert "*" not in json.dumps(statement["Resource"])
        assert set(statement["Condition"]["StringEquals"]) == {"iam:PassedToService"}


def test_the_pipeline_passes_only_its_cloudformation_roles(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    passes = _statements(local, deployed.local.role)[("iam:PassRole",)]
    assert passes["Resource"] == [
        {"Fn::GetAtt": [reading.logical_id(deployed.local.staging.deploy_role), "Arn"]},
        {"Fn::GetAtt": [reading.logical_id(deployed.local.production.deploy_role), "Arn"]},
    ]
    assert passes["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }


def test_grants_on_the_shared_artifacts_bucket_stop_at_the_pipelines_prefix(
    local: dict[str, Any],
) -> None:
    objects = [
        resource
        for statement in _all_statements(local)
        if any(action.startswith("s3:") for action in statement["Action"])
        for resource in reading.resources(statement)
        if resource.startswith(f"arn:<AWS::Partition>:s3:::{BUCKET}/")
    ]
    assert objects  # pipeline, checks, CloudFormation and endpoint roles
    assert f"arn:<AWS::Partition>:s3:::{BUCKET}/*" not in objects
    allowed = (
        "cd4ml-sandbox-churn-/*",
        "projects/churn/build/*",
        "projects/churn/build/runs/*",
        "data-capture/cd4ml-sandbox-churn-staging/*",
        "data-capture/cd4ml-sandbox-churn-prod/*",
    )
    assert {o.removeprefix(f"arn:<AWS::Partition>:s3:::{BUCKET}/") for o in objects} == set(allowed)


def test_the_checks_may_describe_and_only_staging_may_be_invoked(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    staging = _statements(local, deployed.local.staging_test.role)
    production = _statements(local, deployed.local.production_verify.role)
    package = _statements(local, deployed.local.package_check.role)
    assert reading.resources(staging[("sagemaker:InvokeEndpoint",)]) == [
        f"{SAGEMAKER}:endpoint/cd4ml-sandbox-churn-staging"
    ]
    assert ("sagemaker:InvokeEndpoint",) not in production
    assert reading.resources(production[("sagemaker:DescribeEndpoint",)]) == [
        f"{SAGEMAKER}:endpoint/cd4ml-sandbox-churn-prod"
    ]
    assert reading.resources(package[("sagemaker:DescribeModelPackage",)]) == [
        f"{SAGEMAKER}:model-package/{GROUP}/*"
    ]
    assert not any(
        a[0].startswith("sagemaker:") and a != ("sagemaker:DescribeModelPackage",) for a in package
    )


def test_each_role_is_assumed_by_its_service_only(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    expected = {
        deployed.local.role: "codepipeline.amazonaws.com",
        deployed.local.staging.deploy_role: "cloudformation.amazonaws.com",
        deployed.local.staging.endpoint_role: "sagemaker.amazonaws.com",
        deployed.local.staging_test.role: "codebuild.amazonaws.com",
        deployed.local.baseline_publish.role: "codebuild.amazonaws.com",
    }
    for role, service in expected.items():
        trust = local["Resources"][reading.logical_id(role)]["Properties"][
            "AssumeRolePolicyDocument"
        ]
        assert trust["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": service}}
        ]
    assert len(reading.of_type(local, "AWS::IAM::Role")) == 9


# --- cross-account -----------------------------------------------------------


def test_other_accounts_are_deployed_with_the_contract_roles(cross: dict[str, Any]) -> None:
    assert len(reading.of_type(cross, "AWS::IAM::Role")) == 5  # pipeline and four checks
    for stage, namespace, account in (
        ("DeployStaging", "StagingEndpoint", STAGING_ACCOUNT),
        ("DeployProduction", "ProductionEndpoint", PROD_ACCOUNT),
    ):
        short = "staging" if account == STAGING_ACCOUNT else "prod"
        action = reading.action(cross, stage, f"Deploy{namespace}")
        role = f"arn:<AWS::Partition>:iam::{account}:role/cd4ml-sandbox-churn-{short}"
        assert reading.render(action["RoleArn"]) == f"{role}-deploy"
        assert reading.render(action["Configuration"]["RoleArn"]) == f"{role}-cfn"
        overrides = json.loads(reading.render(action["Configuration"]["ParameterOverrides"]))
        assert overrides["ExecutionRoleArn"] == f"{role}-endpoint"
    verify = reading.action(cross, "VerifyProduction", "VerifyProduction")
    rendered = reading.render(verify["Configuration"]["EnvironmentVariables"])
    variables = {v["name"]: v["value"] for v in json.loads(rendered)}
    assert variables["TARGET_ROLE_ARN"] == (
        f"arn:<AWS::Partition>:iam::{PROD_ACCOUNT}:role/cd4ml-sandbox-churn-prod-verify"
    )
    check = reading.by_actions(
        [
            statement
            for policy in reading.of_type(cross, "AWS::IAM::ManagedPolicy").values()
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            if "ProductionVerify" in json.dumps(policy["Properties"]["Roles"])
        ]
    )
    assert reading.resources(check[("sts:AssumeRole",)]) == [variables["TARGET_ROLE_ARN"]]
    assert not any(a[0].startswith("sagemaker:") for a in check if check[a]["Effect"] == "Allow")


def test_the_pipeline_may_publish_to_an_encrypted_approval_topic(
    deployed: DeployPipelineApp, local: dict[str, Any], cross: dict[str, Any]
) -> None:
    publish = _statements(cross, deployed.cross_account.role)
    key = publish[("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")]
    assert key["Resource"] == MESSAGES_KEY_ARN
    assert MESSAGES_KEY_ARN not in json.dumps(local)


def test_a_deploy_into_another_account_needs_the_environments_account() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    with pytest.raises(
        ValueError,
        match=r"deploy\.staging_account 222222222222: a deploy into another account needs the",
    ):
        add_deploy_pipeline(stack, DeployConfig(staging_account=STAGING_ACCOUNT))


def test_the_stacks_account_named_as_target_is_no_cross_account_deploy() -> None:
    stack = cdk.Stack(
        cdk.App(), "Named", env=cdk.Environment(account="111111111111", region="us-east-1")
    )
    pipeline = add_deploy_pipeline(stack, DeployConfig(prod_account="111111111111"))
    assert pipeline.production.cross_account is False
    assert pipeline.production.endpoint_role is not None


# --- the packs ---------------------------------------------------------------


def test_the_packs_pass_and_every_acknowledgement_suppresses_a_finding(
    deployed: DeployPipelineApp,
) -> None:
    assembly = CloudAssembly.load(deployed.outdir)
    assert assembly.findings(suppressed=False) == []
    suppressed = {(f"{p}::{rule}", path) for p, rule, path in assembly.findings(suppressed=True)}
    acknowledgements = assembly.acknowledgements()
    assert len(acknowledgements) > 10
    for path, rule_id, reason in acknowledgements:
        assert (rule_id, path) in suppressed or any(
            rule_id == s_id and where.startswith(path + "/") for s_id, where in suppressed
        ), (path, rule_id)
        assert len(reason) >= 60, (path, rule_id, reason)
    assert "AwsSolutions::AwsSolutions-IAM5" not in {rule for _, rule, _ in acknowledgements}
