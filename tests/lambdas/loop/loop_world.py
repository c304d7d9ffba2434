"""The moto world the CD4ML loop handlers are tested in.

The handlers read their settings at import time from environment variables, as
they do in Lambda; this module therefore sets the environment before it imports
them, and test modules import the handlers from here. A ``LoopWorld`` is one
moto account holding one project (``churn``) with its policy, tables, buckets,
topic, build pipeline, model package group and deploy pipeline. The project's
names are in ``loop_constants``, its events in ``loop_events``, Lambda contexts
and the call recorder in ``call_recording``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

# moto installs its request hook on every botocore client created after it is imported;
# it comes before the handlers, whatever they create.
from moto import mock_aws

from tools.local_loop.project_pipelines import create_project_pipelines

from .loop_constants import (
    ACCOUNT,
    ARTIFACT_BUCKET,
    AUDIT_TABLE,
    BUILD_PIPELINE,
    DEPLOY_PIPELINE,
    GROUP,
    IDEMPOTENCY_TABLE,
    POLICY_PREFIX,
    PREFIX,
    PROJECT,
    RAW_BUCKET,
    REGION,
    STATE_TABLE,
    TOPIC_ARN,
    TOPIC_NAME,
)
from .loop_events import policy_document

os.environ.update(
    {
        # Fake credentials: nothing in this folder may ever reach a real account.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "RESOURCE_PREFIX": PREFIX,
        "POLICY_PARAMETER_PREFIX": POLICY_PREFIX,
        "IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
        "STATE_TABLE": STATE_TABLE,
        "AUDIT_TABLE": AUDIT_TABLE,
        "RAW_BUCKET_NAME": RAW_BUCKET,
        "POWERTOOLS_METRICS_NAMESPACE": "CD4ML",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)

# Imported after the environment is set, as Lambda would.
from deploy_trigger import handler as deploy_handler
from quality_gate import handler as gate_handler
from retrain_trigger import handler as retrain_handler

__all__ = ["deploy_handler", "gate_handler", "retrain_handler"]

HANDLER_MODULES = (retrain_handler, gate_handler, deploy_handler)

_deserializer = TypeDeserializer()


@functools.cache
def _world_clients() -> dict[str, Any]:
    # One session for the whole run: mock_aws() resets boto3's default session, and a
    # new session reloads botocore's endpoint data (about 0.4 s) for every test.
    session = boto3.session.Session(region_name=REGION)
    services = ("sagemaker", "s3", "sns", "sqs", "ssm", "dynamodb", "codepipeline", "iam")
    return {service: session.client(service) for service in services}


class LoopWorld:
    """The AWS resources of one project, inside moto, and ways to look at them."""

    def __init__(self) -> None:
        clients = _world_clients()
        self.sagemaker = clients["sagemaker"]
        self.s3 = clients["s3"]
        self.sns = clients["sns"]
        self.sqs = clients["sqs"]
        self.ssm = clients["ssm"]
        self.dynamodb = clients["dynamodb"]
        self.codepipeline = clients["codepipeline"]
        self.iam = clients["iam"]
        self.queue_url = ""

    def provision(self) -> None:
        """Create the environment's tables and buckets and the ``churn`` project."""
        for name, keys in (
            (IDEMPOTENCY_TABLE, [("id", "HASH")]),
            (STATE_TABLE, [("pk", "HASH"), ("sk", "RANGE")]),
            (AUDIT_TABLE, [("project", "HASH"), ("decision_id", "RANGE")]),
        ):
            self.dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in keys],
                AttributeDefinitions=[
                    {"AttributeName": key, "AttributeType": "S"} for key, _ in keys
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        for bucket in (RAW_BUCKET, ARTIFACT_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
        self.sns.create_topic(Name=TOPIC_NAME)
        self.queue_url = self.sqs.create_queue(QueueName=f"{TOPIC_NAME}-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=TOPIC_ARN, Protocol="sqs", Endpoint=queue_arn)
        self.put_policy(policy_document())
        self.sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        create_project_pipelines(
            {"iam": self.iam, "sagemaker": self.sagemaker, "codepipeline": self.codepipeline},
            role_name=f"{PREFIX}-pipelines",
            build_pipeline=BUILD_PIPELINE,
            deploy_pipeline=DEPLOY_PIPELINE,
            source_bucket=ARTIFACT_BUCKET,
        )

    # Arranging ---------------------------------------------------------------------------

    def put_policy(self, document: dict[str, Any] | str, project: str = PROJECT) -> None:
        """Write ``project``'s policy parameter and forget every cached policy."""
        value = document if isinstance(document, str) else json.dumps(document)
        self.ssm.put_parameter(
            Name=f"{POLICY_PREFIX}{project}", Value=value, Type="String", Overwrite=True
        )
        forget_cached_policies()

    def put_report(self, report: Any) -> str:
        """Store an evaluation report; return its ``s3://`` URI."""
        key = f"{PROJECT}/evaluation/{uuid.uuid4()}/evaluation.json"
        body = report if isinstance(report, str) else json.dumps(report)
        self.s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=body.encode())
        return f"s3://{ARTIFACT_BUCKET}/{key}"

    def register_package(
        self,
        status: str,
        auc: float | None = None,
        *,
        report: Any = None,
        report_uri: str | None = None,
    ) -> str:
        """Register a model package version in the project's group; return its ARN.

        ``auc`` writes a binary-classification report with that AUC; ``report``
        writes the given report instead; ``report_uri`` points at it without
        writing anything. With none of them the package has no metrics.
        """
        if auc is not None:
            report = {
                "binary_classification_metrics": {
                    "auc": {"value": auc, "standard_deviation": "NaN"}
                }
            }
        if report is not None:
            report_uri = self.put_report(report)
        extra: dict[str, Any] = {}
        if report_uri is not None:
            extra["ModelMetrics"] = {
                "ModelQuality": {
                    "Statistics": {"ContentType": "application/json", "S3Uri": report_uri}
                }
            }
        response = self.sagemaker.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn:latest",
                        "ModelDataUrl": f"s3://{ARTIFACT_BUCKET}/churn/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            **extra,
        )
        return str(response["ModelPackageArn"])

    def set_status(self, package_arn: str, status: str) -> None:
        """Change a package's approval status, as a human in Studio would."""
        self.sagemaker.update_model_package(ModelPackageArn=package_arn, ModelApprovalStatus=status)

    # Looking -----------------------------------------------------------------------------

    def package(self, package_arn: str) -> dict[str, Any]:
        """The package as SageMaker describes it."""
        return dict(self.sagemaker.describe_model_package(ModelPackageName=package_arn))

    def audit_records(self, project: str = PROJECT) -> list[dict[str, Any]]:
        """The project's audit records, oldest first."""
        items = self.dynamodb.query(
            TableName=AUDIT_TABLE,
            KeyConditionExpression="project = :project",
            ExpressionAttributeValues={":project": {"S": project}},
        )["Items"]
        return [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in items]

    def table_items(self, table: str) -> list[dict[str, Any]]:
        """Every item of a table, deserialised."""
        items = self.dynamodb.scan(TableName=table)["Items"]
        return [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in items]

    def state_item(self, kind: str, project: str = PROJECT) -> dict[str, Any] | None:
        """One of the project's state items (``build-lease``, ``build-cooldown``, ...)."""
        item = self.dynamodb.get_item(
            TableName=STATE_TABLE, Key={"pk": {"S": f"project#{project}"}, "sk": {"S": kind}}
        ).get("Item")
        return None if item is None else {k: _deserializer.deserialize(v) for k, v in item.items()}

    def build_runs(self) -> list[dict[str, Any]]:
        """The build pipeline's executions, each with its parameters."""
        summaries = self.sagemaker.list_pipeline_executions(PipelineName=BUILD_PIPELINE)[
            "PipelineExecutionSummaries"
        ]
        runs = []
        for summary in summaries:
            parameters = self.sagemaker.list_pipeline_parameters_for_execution(
                PipelineExecutionArn=summary["PipelineExecutionArn"]
            )["PipelineParameters"]
            runs.append({**summary, "Parameters": {p["Name"]: p["Value"] for p in parameters}})
        return runs

    def deploy_runs(self) -> list[dict[str, Any]]:
        """The deploy pipeline's executions, each with its resolved variables."""
        summaries = self.codepipeline.list_pipeline_executions(pipelineName=DEPLOY_PIPELINE)[
            "pipelineExecutionSummaries"
        ]
        runs = []
        for summary in summaries:
            execution = self.codepipeline.get_pipeline_execution(
                pipelineName=DEPLOY_PIPELINE, pipelineExecutionId=summary["pipelineExecutionId"]
            )["pipelineExecution"]
            runs.append(execution)
        return runs

    def deployed_arns(self) -> list[str]:
        """The ``ModelPackageArn`` variable of every deploy execution."""
        return [
            variable["resolvedValue"]
            for run in self.deploy_runs()
            for variable in run["variables"]
            if variable["name"] == "ModelPackageArn"
        ]

    def notifications(self) -> list[dict[str, Any]]:
        """Messages published to the project's topic since the last look (SNS envelopes)."""
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not batch:
                return messages
            for message in batch:
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def forget_cached_policies() -> None:
    """Empty the warm-container policy caches of every handler."""
    for module in HANDLER_MODULES:
        module.policies.clear()


@contextlib.contextmanager
def provisioned_world() -> Iterator[LoopWorld]:
    """A moto account holding the ``churn`` project, with empty policy caches."""
    with mock_aws():
        world = LoopWorld()
        world.provision()
        forget_cached_policies()
        yield world
    forget_cached_policies()
