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
    account_region,
    catalog_bucket,
    catalog_stack,
    only,
    policy_statements,
    product_template,
    render,
)

TEMPLATE_KEY = "templates/cd4ml-ml-project.yaml"


def _publish_call(environment: SynthesizedEnvironment, phase: str) -> dict[str, Any]:
    copies = catalog_stack(environment).resources_of_type("Custom::AWS")
    (copy,) = [c for c in copies.values() if "templates/" in render(c["Properties"]["Create"])]
    return dict(json.loads(render(copy["Properties"][phase])))


# --- S3 templates -------------------------------------------------------------


def test_the_catalog_bucket_has_a_deterministic_name_and_the_studio_cors_rule(
    environment: SynthesizedEnvironment,
) -> None:
    _, bucket = catalog_bucket(environment)
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
    domain = only(studio.resources_of_type("AWS::SageMaker::Domain"))
    tags = {t["Key"]: t["Value"] for t in domain["Properties"]["Tags"]}
    _, bucket = catalog_bucket(environment)
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
        account, region = account_region(environment)
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
        for s in policy_statements(policy["Properties"]["PolicyDocument"])
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
    _, bucket = catalog_bucket(environment)
    bucket_name = render(bucket["Properties"]["BucketName"])
    assert parameters["Bucket"].startswith("<Bucket")  # a reference to the catalog bucket
    region = PSEUDO["AWS::Region"]
    assert url == f"https://{bucket_name}.s3.{region}.amazonaws.com/{parameters['Key']}"
