"""The project catalog: S3 templates for Studio, the Service Catalog product, launch role, access."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.session import Session
from botocore.validate import ParamValidator

from cd4ml_constructs.projects.template_parameters import SAGEMAKER_PARAMETERS
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import stack
from tests.unit.projects.catalog_reading import (
    PSEUDO,
    catalog_stack,
    product_template,
    render,
)

TEMPLATE_KEY = "templates/cd4ml-ml-project.yaml"


def _account_region(environment: SynthesizedEnvironment) -> tuple[str, str]:
    """The account and region a rendered value of the environment's templates shows."""
    config = environment.config
    return config.account or "123456789012", config.region or "us-east-1"


def _one(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.values()))


def _catalog_bucket(environment: SynthesizedEnvironment) -> tuple[str, dict[str, Any]]:
    buckets = catalog_stack(environment).resources_of_type("AWS::S3::Bucket")
    return next(iter(buckets.items()))


def _publish_call(environment: SynthesizedEnvironment, phase: str) -> dict[str, Any]:
    copies = catalog_stack(environment).resources_of_type("Custom::AWS")
    (copy,) = [c for c in copies.values() if "templates/" in render(c["Properties"]["Create"])]
    return dict(json.loads(render(copy["Properties"][phase])))


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _launch_statements(environment: SynthesizedEnvironment) -> list[dict[str, Any]]:
    template = catalog_stack(environment)
    (role_id,) = [k for k in template.resources_of_type("AWS::IAM::Role") if k.startswith("Launch")]
    found = []
    for policy in template.resources_of_type("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            found += _statements(policy["Properties"]["PolicyDocument"])
    return found


# --- S3 templates -------------------------------------------------------------


def test_the_catalog_bucket_has_a_deterministic_name_and_the_studio_cors_rule(
    environment: SynthesizedEnvironment,
) -> None:
    _, bucket = _catalog_bucket(environment)
    properties = bucket["Properties"]
    name = environment.config.name
    # Resolved by CloudFormation in the deploying account and region, in every environment.
    account, region = PSEUDO["AWS::AccountId"], PSEUDO["AWS::Region"]
    assert render(properties["BucketName"]) == f"cd4ml-{name}-tmpl-{account}-{region}"
    (rule,) = properties["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["GET", "HEAD"]
    assert [render(o) for o in rule["AllowedOrigins"]] == [
        "https://*.studio.us-east-1.sagemaker.aws"
    ]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["DeletionPolicy"] == "Retain"


def test_the_studio_domain_points_at_the_templates_without_depending_on_the_catalog(
    environment: SynthesizedEnvironment,
) -> None:
    studio = stack(environment, "Studio")
    domain = _one(studio.resources_of_type("AWS::SageMaker::Domain"))
    tags = {t["Key"]: t["Value"] for t in domain["Properties"]["Tags"]}
    _, bucket = _catalog_bucket(environment)
    bucket_name = render(bucket["Properties"]["BucketName"])
    location = render(tags["sagemaker:projectS3TemplatesLocation"])
    assert location == f"s3://{bucket_name}/templates/"
    assert "project-catalog" not in json.dumps(studio.template)


def test_each_template_version_is_copied_under_the_prefix_with_the_visibility_tag(
    environment: SynthesizedEnvironment,
) -> None:
    for phase in ("Create", "Update"):
        call = _publish_call(environment, phase)
        assert (call["service"], call["action"]) == ("S3", "copyObject")
        parameters = call["parameters"]
        assert parameters["Key"] == TEMPLATE_KEY
        assert parameters["Tagging"] == "sagemaker%3Astudio-visibility=true"
        assert parameters["TaggingDirective"] == "REPLACE"
        assert parameters["ServerSideEncryption"] == "aws:kms"
        source_bucket, source_key = parameters["CopySource"].split("/")
        account, region = _account_region(environment)
        assert source_bucket == f"cdk-hnb659fds-assets-{account}-{region}"
        assert re.fullmatch(r"[0-9a-f]{64}\.json", source_key)


def test_the_copy_may_read_the_template_and_write_only_the_published_key(
    environment: SynthesizedEnvironment,
) -> None:
    template = catalog_stack(environment)
    (policy,) = [
        p
        for p in template.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if "PublishTemplate" in p["Metadata"]["aws:cdk:path"]
    ]
    writes = [
        s
        for s in _statements(policy["Properties"]["PolicyDocument"])
        if "s3:PutObject" in s["Action"]
    ]
    (write,) = writes
    assert sorted(write["Action"]) == ["s3:PutObject", "s3:PutObjectTagging"]
    assert render(write["Resource"]).endswith(f"/{TEMPLATE_KEY}")


# --- CreateProject with TemplateProviders ---------------------------------------


def _create_project_request(
    environment: SynthesizedEnvironment, values: dict[str, str]
) -> dict[str, Any]:
    outputs = catalog_stack(environment).template["Outputs"]
    return {
        "ProjectName": "churn-two",
        "TemplateProviders": [
            {
                "CfnTemplateProvider": {
                    "TemplateName": render(outputs["TemplateName"]["Value"]),
                    "TemplateURL": render(outputs["TemplateUrl"]["Value"]),
                    "RoleARN": "arn:aws:iam::123456789012:role/cd4ml-launch",
                    "Parameters": [{"Key": k, "Value": v} for k, v in values.items()],
                }
            }
        ],
    }


def _refusals(template: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """What CloudFormation would refuse in the parameters SageMaker passes to the template."""
    declared = template["Parameters"]
    provider = request["TemplateProviders"][0]["CfnTemplateProvider"]
    passed = {p["Key"]: p["Value"] for p in provider["Parameters"]}
    passed |= {"SageMakerProjectName": request["ProjectName"], "SageMakerProjectId": "p-abc123"}
    problems = [f"{key} is not declared" for key in passed if key not in declared]
    problems += [
        f"{key} is missing"
        for key, parameter in declared.items()
        if "Default" not in parameter and key not in passed
    ]
    for key, value in passed.items():
        parameter = declared.get(key, {})
        if "AllowedPattern" in parameter and not re.fullmatch(parameter["AllowedPattern"], value):
            problems.append(f"{key}={value!r} does not match")
        if "AllowedValues" in parameter and value not in parameter["AllowedValues"]:
            problems.append(f"{key}={value!r} is not allowed")
        if parameter.get("Type") == "Number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
            problems.append(f"{key}={value!r} is not a number")
    return problems


GOOD = {"Team": "risk", "MinThreshold": "0.75", "MetricDirection": "higher"}


def test_a_create_project_request_matches_the_template(environment: SynthesizedEnvironment) -> None:
    request = _create_project_request(environment, GOOD)
    report = ParamValidator().validate(
        request,
        Session().get_service_model("sagemaker").operation_model("CreateProject").input_shape,
    )
    assert not report.has_errors(), report.generate_report()
    assert _refusals(product_template(environment), request) == []
    assert not set(GOOD) & set(SAGEMAKER_PARAMETERS)


@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        ({"MinThreshold": "0.75"}, "Team is missing"),
        ({**GOOD, "Metric": "auc"}, "Metric is not declared"),
        ({**GOOD, "MetricDirection": "up"}, "MetricDirection='up' is not allowed"),
        ({**GOOD, "Team": "risk!"}, "Team='risk!' does not match"),
        ({**GOOD, "NotificationEmail": "nobody"}, "NotificationEmail='nobody' does not match"),
    ],
)
def test_a_request_the_template_refuses(
    sandbox: SynthesizedEnvironment, values: dict[str, str], refusal: str
) -> None:
    request = _create_project_request(sandbox, values)
    assert refusal in _refusals(product_template(sandbox), request)


def test_the_template_url_is_the_published_object(environment: SynthesizedEnvironment) -> None:
    request = _create_project_request(environment, GOOD)
    url = request["TemplateProviders"][0]["CfnTemplateProvider"]["TemplateURL"]
    parameters = _publish_call(environment, "Create")["parameters"]
    _, bucket = _catalog_bucket(environment)
    bucket_name = render(bucket["Properties"]["BucketName"])
    assert parameters["Bucket"].startswith("<Bucket")  # a reference to the catalog bucket
    region = PSEUDO["AWS::Region"]
    assert url == f"https://{bucket_name}.s3.{region}.amazonaws.com/{parameters['Key']}"


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
    statements = _launch_statements(environment)
    path = f"cd4ml-{environment.config.name}-projects"
    for statement in statements:
        actions = _as_list(statement["Action"])
        assert all("*" not in action for action in actions), actions
        if "iam:PassRole" in actions:
            assert [render(r) for r in _as_list(statement["Resource"])] == [
                f"arn:aws:iam::{_account_region(environment)[0]}:role/{path}/*"
            ]
            assert "iam:PassedToService" in statement["Condition"]["StringEquals"]
        if "iam:CreateRole" in actions:
            assert "iam:PermissionsBoundary" in statement["Condition"]["StringEquals"]
    passes = [s for s in statements if "iam:PassRole" in _as_list(s["Action"])]
    assert len(passes) == 1


def test_the_launch_role_covers_every_resource_type_of_the_template(
    environment: SynthesizedEnvironment,
) -> None:
    actions = {a for s in _launch_statements(environment) for a in _as_list(s["Action"])}
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
    constraint = _one(template.resources_of_type("AWS::ServiceCatalog::LaunchRoleConstraint"))
    assert constraint["Properties"]["ProductId"] == {"Ref": product_id}
    assert constraint["Properties"]["RoleArn"]["Fn::GetAtt"][0].startswith("LaunchRole")


def test_the_portfolio_and_the_templates_are_shared_with_the_ml_engineer_only(
    environment: SynthesizedEnvironment,
) -> None:
    template = catalog_stack(environment)
    association = _one(
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
    statements = {s["Sid"]: s for s in _statements(access["Properties"]["PolicyDocument"])}
    assert sorted(statements["ReadTemplates"]["Action"]) == ["s3:GetObject", "s3:GetObjectTagging"]
    assert render(statements["ReadTemplates"]["Resource"]).endswith("/templates/*")
    assert statements["PassLaunchRole"]["Resource"]["Fn::GetAtt"][0].startswith("LaunchRole")
    role_condition = statements["ProjectStacks"]["Condition"]["StringEquals"][
        "cloudformation:RoleArn"
    ]
    assert role_condition["Fn::GetAtt"][0].startswith("LaunchRole")
