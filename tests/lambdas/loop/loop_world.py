"""The moto world the CD4ML loop handlers are tested in.

The handlers build their clients at import time from environment variables, as
they do in Lambda; this module therefore sets the environment before it imports
them, and test modules import the handlers from here. A ``LoopWorld`` is one
moto account holding one project (``churn``) with its policy, tables, buckets,
topic, build pipeline, model package group and deploy pipeline.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

# moto installs its request hook on every botocore client created after it is imported;
# it must therefore come before the handlers, which create their clients at import.
from moto import mock_aws

from tools.local_loop.project_pipelines import create_project_pipelines

ACCOUNT = "123456789012"
REGION = "us-east-1"
PREFIX = "cd4ml-sandbox"
PROJECT = "churn"
RAW_BUCKET = "cd4ml-sandbox-raw"
ARTIFACT_BUCKET = "cd4ml-sandbox-artifacts"
POLICY_PREFIX = "/cd4ml/sandbox/projects/"
IDEMPOTENCY_TABLE = "cd4ml-sandbox-loop-idempotency"
STATE_TABLE = "cd4ml-sandbox-loop-state"
AUDIT_TABLE = "cd4ml-sandbox-loop-audit"
GROUP = f"{PREFIX}-{PROJECT}"
BUILD_PIPELINE = f"{PREFIX}-{PROJECT}-build"
DEPLOY_PIPELINE = f"{PREFIX}-{PROJECT}-deploy"
DRIFT_ALARM = f"{PREFIX}-{PROJECT}-drift"
TOPIC_NAME = f"{PREFIX}-{PROJECT}-notifications"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
EVENTS_DIR = Path(__file__).parent / "events"

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
from deploy_trigger import handler as deploy_handler  # noqa: E402
from quality_gate import handler as gate_handler  # noqa: E402
from retrain_trigger import handler as retrain_handler  # noqa: E402

__all__ = ["deploy_handler", "gate_handler", "retrain_handler"]

HANDLER_MODULES = (retrain_handler, gate_handler, deploy_handler)
MUTATING_OPERATIONS = frozenset(
    {
        "StartPipelineExecution",
        "UpdateModelPackage",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "Publish",
    }
)

_deserializer = TypeDeserializer()


@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context the handlers and Powertools read."""

    function_name: str = "loop-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:loop-function"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        """Time left in the invocation."""
        return 60_000


@dataclass
class RecordedCall:
    """One API call a client was about to make, with its parameters."""

    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallRecorder:
    """Records the API calls made through a set of clients (botocore event hook)."""

    calls: list[RecordedCall] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        """Start recording the calls of ``client``."""
        client.meta.events.register("before-parameter-build", self._record)

    def detach(self, client: Any) -> None:
        """Stop recording the calls of ``client``."""
        client.meta.events.unregister("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(
            RecordedCall(model.service_model.service_name, model.name, copy.deepcopy(params))
        )

    def mutations(self) -> list[RecordedCall]:
        """The calls that would change something in AWS."""
        return [call for call in self.calls if call.operation in MUTATING_OPERATIONS]

    def of(self, service: str, operation: str) -> list[RecordedCall]:
        """The recorded calls of one operation."""
        return [c for c in self.calls if c.service == service and c.operation == operation]


def handler_clients(module: Any) -> list[Any]:
    """Every boto3 client a handler module may use, the idempotency layer's included.

    The handlers create their clients on first use; asking for them here creates them.
    """
    names = ("sagemaker", "s3", "sns", "dynamodb", "ssm", "codepipeline")
    return [module.runtime.clients.created(name) for name in names]


def policy_document(project: str = PROJECT, **overrides: Any) -> dict[str, Any]:
    """A valid schema-1 policy for ``project``; ``overrides`` replace top-level keys."""
    document: dict[str, Any] = {
        "schema_version": 1,
        "project": project,
        "team": "growth",
        "model_package_group": f"{PREFIX}-{project}",
        "metric": {"name": "auc", "direction": "higher"},
        "min_threshold": 0.75,
        "min_improvement": 0.0,
        "approval_mode": "auto",
        "retrain": {"enabled": True, "cooldown_minutes": 360, "raw_prefix": f"{project}/"},
        "model_build_pipeline": f"{PREFIX}-{project}-build",
        "deploy_pipeline": f"{PREFIX}-{project}-deploy",
        "notification_topic_arn": TOPIC_ARN,
        "drift_alarm_name": f"{PREFIX}-{project}-drift",
    }
    document.update(overrides)
    return document


def fresh_time(seconds_ago: float = 60) -> str:
    """An event time ``seconds_ago`` before now, as EventBridge writes it."""
    moment = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def load_event(name: str, **top_level: Any) -> dict[str, Any]:
    """A sample event from ``events/``, dated a minute ago; ``top_level`` replaces envelope fields.

    The loop refuses events older than its redrive window, so the samples' own
    dates are replaced by a fresh one.
    """
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    event["time"] = fresh_time()
    event.update(top_level)
    return event


def package_event(status: str, package_arn: str, *, event_id: str | None = None) -> dict[str, Any]:
    """A ``Model Package State Change`` event for ``package_arn`` now in ``status``."""
    event = load_event("model_package_pending_approval", id=event_id or str(uuid.uuid4()))
    version = int(package_arn.rsplit("/", 1)[1])
    event["resources"] = [package_arn]
    event["detail"].update(
        {
            "ModelPackageArn": package_arn,
            "ModelPackageVersion": version,
            "ModelApprovalStatus": status,
        }
    )
    return event


def run_ended_event(
    execution_arn: str, status: str = "Succeeded", *, event_id: str | None = None
) -> dict[str, Any]:
    """A ``Pipeline Execution Status Change`` event: the build run ``execution_arn`` ended."""
    event = load_event("build_pipeline_execution_succeeded", id=event_id or str(uuid.uuid4()))
    pipeline_arn = execution_arn.split("/execution/")[0]
    event["resources"] = [pipeline_arn, execution_arn]
    event["detail"].update(
        {
            "pipelineArn": pipeline_arn,
            "pipelineExecutionArn": execution_arn,
            "currentPipelineExecutionStatus": status,
        }
    )
    return event


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
