"""Standing up in moto what the synthesized templates declare, and importing the handlers.

Tables, buckets, topics (each with an SQS inbox), SSM parameters and model
package groups are created under their resolved names; every project policy
found among the parameters gets the build and deploy pipelines its project
templates would create.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.cloud_assembly import CloudAssembly
from tools.local_loop.project_pipelines import create_project_pipelines
from tools.local_loop.resolver import TemplateResolver
from tools.local_loop.topology import LocalFunction

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def provision(
    assembly: CloudAssembly, resolver: TemplateResolver, clients: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create the templates' resources in moto; return the project policies by project."""
    policies: dict[str, dict[str, Any]] = {}
    for stack in assembly.stacks:
        for logical_id, resource in stack.resources.items():
            properties = resource.get("Properties", {})
            kind = resource["Type"]
            if kind == "AWS::DynamoDB::Table":
                clients["dynamodb"].create_table(
                    TableName=resolver.physical_name(stack, logical_id),
                    KeySchema=properties["KeySchema"],
                    AttributeDefinitions=properties["AttributeDefinitions"],
                    BillingMode="PAY_PER_REQUEST",
                )
            elif kind == "AWS::S3::Bucket":
                clients["s3"].create_bucket(Bucket=resolver.physical_name(stack, logical_id))
            elif kind == "AWS::SNS::Topic":
                provision_topic(clients, resolver.physical_name(stack, logical_id))
            elif kind == "AWS::SSM::Parameter":
                name = resolver.physical_name(stack, logical_id)
                value = str(resolver.resolve(stack, properties["Value"]))
                clients["ssm"].put_parameter(Name=name, Value=value, Type="String")
                if "/projects/" in name:
                    policy = json.loads(value)
                    policies[policy["project"]] = policy
            elif kind == "AWS::SageMaker::ModelPackageGroup":
                clients["sagemaker"].create_model_package_group(
                    ModelPackageGroupName=resolver.physical_name(stack, logical_id)
                )
    for policy in policies.values():
        provision_project_pipelines(clients, policy)

    return policies


def provision_topic(clients: dict[str, Any], name: str) -> None:
    """A topic with an SQS inbox subscribed, so its messages can be read back."""
    topic_arn = clients["sns"].create_topic(Name=name)["TopicArn"]
    queue_url = clients["sqs"].create_queue(QueueName=f"local-{name}")["QueueUrl"]
    queue_arn = clients["sqs"].get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    clients["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)


def provision_project_pipelines(clients: dict[str, Any], policy: dict[str, Any]) -> None:
    """The build and deploy pipelines a project's templates would create."""
    source_bucket = f"local-{policy['project']}-deploy-source"
    clients["s3"].create_bucket(Bucket=source_bucket)
    create_project_pipelines(
        clients,
        role_name=f"local-{policy['project']}-pipelines",
        build_pipeline=policy["model_build_pipeline"],
        deploy_pipeline=policy["deploy_pipeline"],
        source_bucket=source_bucket,
    )


def import_handlers(functions: dict[str, LocalFunction]) -> dict[str, Callable[..., Any]]:
    """Import each function's handler as Lambda would, with the functions' environment."""
    environment: dict[str, str] = {}
    for function in functions.values():
        environment.update(function.environment)
    environment.update(
        {
            "POLICY_CACHE_SECONDS": "0",
            "POWERTOOLS_LOG_LEVEL": "CRITICAL",
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    os.environ.update(environment)
    # The functions' asset root, as in Lambda.
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.insert(0, str(LAMBDAS_DIR))
    handlers = {}
    for function in functions.values():
        module_name, attribute = function.handler_path.rsplit(".", 1)
        handlers[function.arn] = getattr(importlib.import_module(module_name), attribute)
    return handlers


def register_model_package(
    clients: dict[str, Any],
    policy: dict[str, Any],
    *,
    bucket: str,
    metric_value: float,
    status: str,
    generated_by: str,
) -> str:
    """Register a model package of the policy's project with an evaluation report in S3."""
    project = policy["project"]
    existing = clients["sagemaker"].list_model_packages(
        ModelPackageGroupName=policy["model_package_group"]
    )["ModelPackageSummaryList"]
    version = len(existing) + 1
    key = f"{project}/evaluation/v{version}/evaluation.json"
    report = {"binary_classification_metrics": {policy["metric"]["name"]: {"value": metric_value}}}
    clients["s3"].put_object(Bucket=bucket, Key=key, Body=json.dumps(report).encode())
    response = clients["sagemaker"].create_model_package(
        ModelPackageGroupName=policy["model_package_group"],
        ModelPackageDescription=f"{project} candidate {version}",
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [
                {
                    "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:1",
                    "ModelDataUrl": f"s3://{bucket}/{project}/model/v{version}.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": f"s3://{bucket}/{key}"}
            }
        },
        MetadataProperties={"GeneratedBy": generated_by},
    )
    return str(response["ModelPackageArn"])


def fake_credentials() -> dict[str, str]:
    """Fake credentials: the local loop must never reach a real account."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
