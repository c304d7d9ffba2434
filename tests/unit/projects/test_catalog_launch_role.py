"""The project catalog's launch role and its Service Catalog portfolio and product."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from tests.conftest import SynthesizedEnvironment
from tests.unit.projects.catalog_reading import (
    account_region,
    as_list,
    catalog_stack,
    launch_statements,
    only,
    policy_statements,
    product_template,
    render,
)

# --- launch role ----------------------------------------------------------------


def test_the_launch_role_is_for_cloudformation_and_service_catalog_only(
    environment: SynthesizedEnvironment,
) -> None:
    template = catalog_stack(environment)
    (role,) = [
        r for k, r in template.resources_of_type("AWS::IAM::Role").items() if k.startswith("Launch")
    ]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert sorted(trust["Principal"]["Service"]) == [
        "cloudformation.amazonaws.com",
        "servicecatalog.amazonaws.com",
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "PermissionsBoundary" in role["Properties"]


def test_the_launch_role_passes_and_creates_only_the_templates_roles(
    environment: SynthesizedEnvironment,
) -> None:
    statements = launch_statements(environment)
    path = f"cd4ml-{environment.config.name}-projects"
    for statement in statements:
        actions = as_list(statement["Action"])
        assert all("*" not in action for action in actions), actions
        if "iam:PassRole" in actions:
            assert [render(r) for r in as_list(statement["Resource"])] == [
                f"arn:aws:iam::{account_region(environment)[0]}:role/{path}/*"
            ]
            assert "iam:PassedToService" in statement["Condition"]["StringEquals"]
        if "iam:CreateRole" in actions:
            assert "iam:PermissionsBoundary" in statement["Condition"]["StringEquals"]
    passes = [s for s in statements if "iam:PassRole" in as_list(s["Action"])]
    assert len(passes) == 1


def test_the_launch_role_covers_every_resource_type_of_the_template(
    environment: SynthesizedEnvironment,
) -> None:
    actions = {a for s in launch_statements(environment) for a in as_list(s["Action"])}
    creates = {
        "AWS::IAM::Role": "iam:CreateRole",
        "AWS::IAM::ManagedPolicy": "iam:CreatePolicy",
        "AWS::SageMaker::ModelPackageGroup": "sagemaker:CreateModelPackageGroup",
        "AWS::SNS::Topic": "sns:CreateTopic",
        "AWS::SNS::TopicPolicy": "sns:SetTopicAttributes",
        "AWS::SQS::Queue": "sqs:CreateQueue",
        "AWS::SQS::QueuePolicy": "sqs:SetQueueAttributes",
        "AWS::CloudWatch::Alarm": "cloudwatch:PutMetricAlarm",
        "AWS::Logs::LogGroup": "logs:CreateLogGroup",
        "AWS::SSM::Parameter": "ssm:PutParameter",
        "AWS::Scheduler::Schedule": "scheduler:CreateSchedule",
        "AWS::CodeBuild::Project": "codebuild:CreateProject",
        "AWS::CodePipeline::Pipeline": "codepipeline:CreatePipeline",
        "AWS::Events::Rule": "events:PutRule",
        "AWS::Lambda::Function": "lambda:CreateFunction",
        "Custom::AWS": "lambda:InvokeFunction",
        "AWS::Lambda::Permission": "lambda:AddPermission",
    }
    types = {r["Type"] for r in product_template(environment)["Resources"].values()}
    assert types <= set(creates), types - set(creates)
    assert {creates[t] for t in types} <= actions


# --- Service Catalog ------------------------------------------------------------


def test_the_product_is_visible_in_studio_and_launched_with_the_launch_role(
    environment: SynthesizedEnvironment,
) -> None:
    template = catalog_stack(environment)
    product_id, product = next(
        iter(template.resources_of_type("AWS::ServiceCatalog::CloudFormationProduct").items())
    )
    tags = {t["Key"]: t["Value"] for t in product["Properties"]["Tags"]}
    assert tags["sagemaker:studio-visibility"] == "true"
    constraint = only(template.resources_of_type("AWS::ServiceCatalog::LaunchRoleConstraint"))
    assert constraint["Properties"]["ProductId"] == {"Ref": product_id}
    assert constraint["Properties"]["RoleArn"]["Fn::GetAtt"][0].startswith("LaunchRole")


def test_the_portfolio_and_the_templates_are_shared_with_the_ml_engineer_only(
    environment: SynthesizedEnvironment,
) -> None:
    template = catalog_stack(environment)
    association = only(
        template.resources_of_type("AWS::ServiceCatalog::PortfolioPrincipalAssociation")
    )
    principal = render(association["Properties"]["PrincipalARN"])
    assert "MlEngineerRole" in principal
    (access,) = [
        p
        for p in template.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if "CreatorAccess" in p["Metadata"]["aws:cdk:path"]
    ]
    roles = [render(r) for r in access["Properties"]["Roles"]]
    assert len(roles) == 1 and "MlEngineerRole" in roles[0]
    statements = {s["Sid"]: s for s in policy_statements(access["Properties"]["PolicyDocument"])}
    assert sorted(statements["ReadTemplates"]["Action"]) == ["s3:GetObject", "s3:GetObjectTagging"]
    assert render(statements["ReadTemplates"]["Resource"]).endswith("/templates/*")
    assert statements["PassLaunchRole"]["Resource"]["Fn::GetAtt"][0].startswith("LaunchRole")
    role_condition = statements["ProjectStacks"]["Condition"]["StringEquals"][
        "cloudformation:RoleArn"
    ]
    assert role_condition["Fn::GetAtt"][0].startswith("LaunchRole")


def _decides(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether ``statements`` allow ``action`` on ``resource``: an explicit Deny wins."""

    def matches(statement: dict[str, Any]) -> bool:
        actions = as_list(statement["Action"])
        resources = [render(r) for r in as_list(statement["Resource"])]
        return any(fnmatchcase(action, a) for a in actions) and any(
            fnmatchcase(resource, r) for r in resources
        )

    matching = [s for s in statements if matches(s)]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" and "Condition" not in s for s in matching)


def test_the_launch_role_cannot_change_a_declared_projects_resources(
    environment: SynthesizedEnvironment,
) -> None:
    statements = launch_statements(environment)
    account, region = account_region(environment)
    prefix = f"cd4ml-{environment.config.name}"
    declared = [project.name for project in environment.config.projects]
    assert declared
    if environment.config.name == "sandbox":
        assert "churn" in declared

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    for name in [*declared, "fraud", f"{declared[0]}-v2"]:
        allowed = name not in declared
        for action in ("codepipeline:UpdatePipeline", "codepipeline:DeletePipeline"):
            for pipeline in (f"{prefix}-{name}-deploy", f"{prefix}-{name}-build-code"):
                assert _decides(statements, action, arn("codepipeline", pipeline)) is allowed
        group = arn("sagemaker", f"model-package-group/{prefix}-{name}")
        assert _decides(statements, "sagemaker:DeleteModelPackageGroup", group) is allowed
        topic = arn("sns", f"{prefix}-{name}-notifications")
        assert _decides(statements, "sns:SetTopicAttributes", topic) is allowed
        parameter = arn("ssm", f"parameter/cd4ml/{environment.config.name}/projects/{name}")
        assert _decides(statements, "ssm:PutParameter", parameter) is allowed
