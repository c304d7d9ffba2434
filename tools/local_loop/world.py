"""A synthesized environment stood up in moto, with its rules routing events to the real handlers.

:class:`LocalLoop` reads everything from the cloud assembly: the functions
(handler, environment, retries, on-failure destination), the EventBridge rules
(pattern and targets), the schedules, the tables, topics, buckets, policy
parameters and model package groups. It creates those in moto, imports the
handlers as Lambda would, and delivers each event to the handlers whose
deployed rule matches it. What AWS would emit in reply is emitted too:

- ``StartPipelineExecution`` of a model-build pipeline runs a stand-in build
  that registers a model package (``PendingManualApproval``) with the metrics
  the scenario queued, then reports the run as ``Succeeded``;
- ``UpdateModelPackage`` emits a ``Model Package State Change``;
- ``StartPipelineExecution`` of a deploy pipeline is recorded as a deploy;
- ``Publish`` to a topic is recorded as a notification.

A handler that raises is retried as Lambda retries asynchronous invocations,
then the event is recorded as dead-lettered to the function's on-failure queue.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.cloud_assembly import CloudAssembly, SynthesizedStack
from tools.event_patterns import matches
from tools.local_loop import aws_events
from tools.local_loop.project_pipelines import create_project_pipelines
from tools.local_loop.resolver import TemplateResolver

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
ACCOUNT = "123456789012"
REGION = "us-east-1"
_LAMBDA_DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class LocalFunction:
    """A Lambda function of the templates, bound to its imported handler."""

    name: str
    arn: str
    handler_path: str
    environment: dict[str, str]
    retry_attempts: int
    failure_destination: str | None


@dataclass(frozen=True)
class LocalRule:
    """An EventBridge rule of the templates: its pattern and the functions it targets."""

    name: str
    pattern: dict[str, Any]
    targets: tuple[LocalFunction, ...]


@dataclass(frozen=True)
class LocalSchedule:
    """An EventBridge Scheduler schedule that invokes a function with a fixed input."""

    name: str
    target: LocalFunction
    input_template: str


@dataclass
class Delivery:
    """One event handed to one function, and what came of it."""

    event_id: str
    event_summary: str
    rule: str
    function: str
    attempts: int
    response: dict[str, Any] | None
    error: str | None


@dataclass
class LoopRecord:
    """Everything the loop did, for the trace and the summary."""

    deliveries: list[Delivery] = field(default_factory=list)
    executions: list[dict[str, str]] = field(default_factory=list)
    deploys: list[dict[str, str]] = field(default_factory=list)
    notifications: list[dict[str, str]] = field(default_factory=list)
    dead_lettered: list[dict[str, str]] = field(default_factory=list)
    unrouted: list[str] = field(default_factory=list)


class LocalLoop:
    """The loop of one synthesized environment, running in moto.

    Use as a context manager: moto is active between ``__enter__`` and
    ``__exit__``. ``trace`` receives one readable line per step.
    """

    def __init__(
        self,
        assembly: CloudAssembly,
        *,
        trace: Callable[[str], None] = lambda line: None,
        hold_builds: bool = False,
    ) -> None:
        self.assembly = assembly
        self.resolver = TemplateResolver(assembly, account=ACCOUNT, region=REGION)
        self.trace = trace
        self.hold_builds = hold_builds
        self.record = LoopRecord()
        self._queue: deque[dict[str, Any]] = deque()
        self._held_builds: list[str] = []
        self._next_metrics: dict[str, deque[float]] = {}
        self._event_counter = 0
        self._recording: list[tuple[str, str, dict[str, Any], dict[str, Any]]] | None = None
        self._stack_exit: contextlib.ExitStack | None = None
        self.functions = self._functions()
        self.rules = self._rules()
        self.schedules = self._schedules()
        self.policies: dict[str, dict[str, Any]] = {}

    # --- set-up -------------------------------------------------------------

    def __enter__(self) -> LocalLoop:
        os.environ.update(_fake_credentials())
        stack = contextlib.ExitStack()
        from moto import mock_aws

        stack.enter_context(mock_aws())
        stack.enter_context(self._record_api_calls())
        self._stack_exit = stack
        import boto3

        self._clients = {
            name: boto3.client(name, region_name=REGION)
            for name in ("s3", "sns", "sqs", "ssm", "dynamodb", "sagemaker", "codepipeline", "iam")
        }
        self._provision()
        self._handlers = self._import_handlers()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._stack_exit is not None:
            self._stack_exit.close()

    def _stacks(self) -> Iterator[SynthesizedStack]:
        yield from self.assembly.stacks

    def _functions(self) -> dict[str, LocalFunction]:
        functions: dict[str, LocalFunction] = {}
        invoke_configs = {}
        for stack in self._stacks():
            for config in stack.resources_of_type("AWS::Lambda::EventInvokeConfig").values():
                properties = config["Properties"]
                target = properties["FunctionName"]["Ref"]
                destination = properties.get("DestinationConfig", {}).get("OnFailure", {})
                invoke_configs[(stack.stack_name, target)] = (
                    int(properties.get("MaximumRetryAttempts", _LAMBDA_DEFAULT_RETRIES)),
                    self.resolver.resolve(stack, destination.get("Destination"))
                    if destination
                    else None,
                )
        for stack in self._stacks():
            for logical_id, resource in stack.resources_of_type("AWS::Lambda::Function").items():
                properties = resource["Properties"]
                handler = properties.get("Handler", "")
                if not handler.endswith(".handler.handler"):
                    continue  # aws-cdk-lib's own custom-resource handlers
                variables = properties.get("Environment", {}).get("Variables", {})
                retries, destination = invoke_configs.get(
                    (stack.stack_name, logical_id), (_LAMBDA_DEFAULT_RETRIES, None)
                )
                arn = self.resolver.arn(stack, logical_id)
                functions[arn] = LocalFunction(
                    name=handler.split(".")[0],
                    arn=arn,
                    handler_path=handler,
                    environment={
                        key: str(self.resolver.resolve(stack, value))
                        for key, value in variables.items()
                    },
                    retry_attempts=retries,
                    failure_destination=destination,
                )
        return functions

    def _rules(self) -> list[LocalRule]:
        rules = []
        for stack in self._stacks():
            for logical_id, resource in stack.resources_of_type("AWS::Events::Rule").items():
                properties = resource["Properties"]
                if "EventPattern" not in properties:
                    continue
                targets = tuple(
                    self.functions[arn]
                    for target in properties.get("Targets", [])
                    if (arn := self.resolver.resolve(stack, target["Arn"])) in self.functions
                )
                path = resource.get("Metadata", {}).get("aws:cdk:path", logical_id)
                rules.append(
                    LocalRule(
                        name="/".join(path.split("/")[2:-1]) or logical_id,
                        pattern=self.resolver.resolve(stack, properties["EventPattern"]),
                        targets=targets,
                    )
                )
        return rules

    def _schedules(self) -> list[LocalSchedule]:
        schedules = []
        for stack in self._stacks():
            for logical_id, resource in stack.resources_of_type("AWS::Scheduler::Schedule").items():
                target = resource["Properties"]["Target"]
                arn = self.resolver.resolve(stack, target["Arn"])
                if arn not in self.functions:
                    continue
                path = resource.get("Metadata", {}).get("aws:cdk:path", logical_id)
                schedules.append(
                    LocalSchedule(
                        name="/".join(path.split("/")[2:-1]) or logical_id,
                        target=self.functions[arn],
                        input_template=str(self.resolver.resolve(stack, target["Input"])),
                    )
                )
        return schedules

    def _provision(self) -> None:
        clients = self._clients
        for stack in self._stacks():
            for logical_id, resource in stack.resources.items():
                properties = resource.get("Properties", {})
                kind = resource["Type"]
                if kind == "AWS::DynamoDB::Table":
                    clients["dynamodb"].create_table(
                        TableName=self.resolver.physical_name(stack, logical_id),
                        KeySchema=properties["KeySchema"],
                        AttributeDefinitions=properties["AttributeDefinitions"],
                        BillingMode="PAY_PER_REQUEST",
                    )
                elif kind == "AWS::S3::Bucket":
                    clients["s3"].create_bucket(
                        Bucket=self.resolver.physical_name(stack, logical_id)
                    )
                elif kind == "AWS::SNS::Topic":
                    self._provision_topic(self.resolver.physical_name(stack, logical_id))
                elif kind == "AWS::SSM::Parameter":
                    name = self.resolver.physical_name(stack, logical_id)
                    value = str(self.resolver.resolve(stack, properties["Value"]))
                    clients["ssm"].put_parameter(Name=name, Value=value, Type="String")
                    if "/projects/" in name:
                        policy = json.loads(value)
                        self.policies[policy["project"]] = policy
                elif kind == "AWS::SageMaker::ModelPackageGroup":
                    clients["sagemaker"].create_model_package_group(
                        ModelPackageGroupName=self.resolver.physical_name(stack, logical_id)
                    )
        for policy in self.policies.values():
            self._provision_project_pipelines(policy)

    def _provision_topic(self, name: str) -> None:
        clients = self._clients
        topic_arn = clients["sns"].create_topic(Name=name)["TopicArn"]
        queue_url = clients["sqs"].create_queue(QueueName=f"local-{name}")["QueueUrl"]
        queue_arn = clients["sqs"].get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        clients["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def _provision_project_pipelines(self, policy: dict[str, Any]) -> None:
        """The build and deploy pipelines a project's templates would create."""
        source_bucket = f"local-{policy['project']}-deploy-source"
        self._clients["s3"].create_bucket(Bucket=source_bucket)
        create_project_pipelines(
            self._clients,
            role_name=f"local-{policy['project']}-pipelines",
            build_pipeline=policy["model_build_pipeline"],
            deploy_pipeline=policy["deploy_pipeline"],
            source_bucket=source_bucket,
        )

    def _import_handlers(self) -> dict[str, Callable[..., Any]]:
        environment: dict[str, str] = {}
        for function in self.functions.values():
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
        for function in self.functions.values():
            module_name, attribute = function.handler_path.rsplit(".", 1)
            handlers[function.arn] = getattr(importlib.import_module(module_name), attribute)
        return handlers

    # --- AWS emulation ------------------------------------------------------

    @contextlib.contextmanager
    def _record_api_calls(self) -> Iterator[None]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        loop = self

        def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
            response = original(client, operation, params)
            if loop._recording is not None:
                service = client.meta.service_model.service_name
                loop._recording.append((service, operation, dict(params), response))
            return response

        BaseClient._make_api_call = recording
        try:
            yield
        finally:
            BaseClient._make_api_call = original

    def _answer_calls(self, calls: list[tuple[str, str, dict[str, Any], dict[str, Any]]]) -> None:
        for service, operation, params, response in calls:
            if service == "sagemaker" and operation == "StartPipelineExecution":
                execution_arn = response["PipelineExecutionArn"]
                self.record.executions.append(
                    {"pipeline": params["PipelineName"], "execution": execution_arn}
                )
                self.trace(f"      AWS: build run started on {params['PipelineName']}")
                self._run_build(params["PipelineName"], execution_arn)
            elif service == "sagemaker" and operation == "UpdateModelPackage":
                package = self._clients["sagemaker"].describe_model_package(
                    ModelPackageName=params["ModelPackageArn"]
                )
                self.emit(
                    aws_events.model_package_state_change(
                        self._event_id(), package=package, account=ACCOUNT, region=REGION
                    )
                )
            elif service == "codepipeline" and operation == "StartPipelineExecution":
                variables = {v["name"]: v["value"] for v in params.get("variables", [])}
                self.record.deploys.append(
                    {
                        "pipeline": params["name"],
                        "model_package": variables.get("ModelPackageArn", ""),
                    }
                )
                self.trace(
                    f"      AWS: deploy pipeline {params['name']} started for "
                    f"{_short(variables.get('ModelPackageArn', ''))}"
                )
            elif service == "sns" and operation == "Publish":
                self.record.notifications.append(
                    {
                        "topic": params["TopicArn"].rsplit(":", 1)[1],
                        "subject": params.get("Subject", ""),
                        "message": params["Message"],
                    }
                )
                self.trace(f"      AWS: notification '{params.get('Subject', '')}'")

    def _run_build(self, pipeline_name: str, execution_arn: str) -> None:
        """The stand-in model-build run: register a package with the queued metrics."""
        policy = next(
            p for p in self.policies.values() if p["model_build_pipeline"] == pipeline_name
        )
        project = policy["project"]
        metrics = self._next_metrics.get(project)
        if not metrics:
            raise RuntimeError(f"scenario queued no model metrics for a build of {project}")
        value = metrics.popleft()
        package_arn = self.register_package(
            project, value, status="PendingManualApproval", generated_by=execution_arn
        )
        self.trace(
            f"      AWS: build registered {_short(package_arn)} with "
            f"{policy['metric']['name']}={value} (PendingManualApproval)"
        )
        package = self._clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
        self.emit(
            aws_events.model_package_state_change(
                self._event_id(), package=package, account=ACCOUNT, region=REGION
            )
        )
        if self.hold_builds:
            self._held_builds.append(execution_arn)
        else:
            self._finish_build(execution_arn)

    def _finish_build(self, execution_arn: str) -> None:
        self.emit(
            aws_events.pipeline_execution_status_change(
                self._event_id(),
                execution_arn=execution_arn,
                status="Succeeded",
                account=ACCOUNT,
                region=REGION,
            )
        )

    # --- what scenarios do -------------------------------------------------

    def queue_build_metrics(self, project: str, *values: float) -> None:
        """The metric values the next model-build runs of ``project`` will produce."""
        self._next_metrics.setdefault(project, deque()).extend(values)

    def register_package(
        self, project: str, metric_value: float, *, status: str, generated_by: str = "local"
    ) -> str:
        """Register a model package of ``project`` with an evaluation report in S3."""
        policy = self.policies[project]
        bucket = self._artifacts_bucket()
        existing = self._clients["sagemaker"].list_model_packages(
            ModelPackageGroupName=policy["model_package_group"]
        )["ModelPackageSummaryList"]
        version = len(existing) + 1
        key = f"{project}/evaluation/v{version}/evaluation.json"
        report = {
            "binary_classification_metrics": {policy["metric"]["name"]: {"value": metric_value}}
        }
        self._clients["s3"].put_object(Bucket=bucket, Key=key, Body=json.dumps(report).encode())
        response = self._clients["sagemaker"].create_model_package(
            ModelPackageGroupName=policy["model_package_group"],
            ModelPackageDescription=f"{project} candidate {version}",
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1",
                        "ModelDataUrl": f"s3://{bucket}/{project}/model/v{version}.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelMetrics={
                "ModelQuality": {
                    "Statistics": {
                        "ContentType": "application/json",
                        "S3Uri": f"s3://{bucket}/{key}",
                    }
                }
            },
            MetadataProperties={"GeneratedBy": generated_by},
        )
        return str(response["ModelPackageArn"])

    def drift_alarm(self, project: str) -> None:
        """The project's drift alarm enters ALARM."""
        self.emit(
            aws_events.alarm_state_change(
                self._event_id(),
                alarm_name=self.policies[project]["drift_alarm_name"],
                state="ALARM",
                account=ACCOUNT,
                region=REGION,
            )
        )

    def deliver_again(self, event: dict[str, Any]) -> None:
        """EventBridge delivers ``event`` once more (at-least-once delivery)."""
        self.emit(dict(event))

    def raw_data(self, project: str, key: str) -> None:
        """A new object lands in the raw zone under the project's prefix."""
        bucket = self.functions_environment("RAW_BUCKET_NAME")
        self._clients["s3"].put_object(Bucket=bucket, Key=key, Body=b"x,y\n1,2\n")
        self.emit(
            aws_events.object_created(
                self._event_id(), bucket=bucket, key=key, size=8, account=ACCOUNT, region=REGION
            )
        )

    def person_sets_status(self, package_arn: str, status: str) -> None:
        """A person approves or rejects a package in the registry."""
        self._clients["sagemaker"].update_model_package(
            ModelPackageArn=package_arn,
            ModelApprovalStatus=status,
            ApprovalDescription=f"set to {status} by a model approver",
        )
        package = self._clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
        self.trace(f"  person: {status} {_short(package_arn)}")
        self.emit(
            aws_events.model_package_state_change(
                self._event_id(), package=package, account=ACCOUNT, region=REGION
            )
        )

    def set_policy(self, project: str, **changes: Any) -> None:
        """The platform team changes a project's policy (its SSM parameter)."""
        policy = {**self.policies[project], **changes}
        self.policies[project] = policy
        name = self.functions_environment("POLICY_PARAMETER_PREFIX") + project
        self._clients["ssm"].put_parameter(
            Name=name, Value=json.dumps(policy, sort_keys=True), Type="String", Overwrite=True
        )

    def break_policy(self, project: str) -> None:
        """Someone writes a policy parameter that is not valid JSON."""
        name = self.functions_environment("POLICY_PARAMETER_PREFIX") + project
        self._clients["ssm"].put_parameter(
            Name=name, Value="{not json", Type="String", Overwrite=True
        )

    def finish_held_builds(self) -> None:
        """Report every held build run as ended (releases the build lease)."""
        held, self._held_builds = self._held_builds, []
        for execution_arn in held:
            self._finish_build(execution_arn)

    def fire_schedule(self, name_part: str) -> None:
        """The first schedule whose name contains ``name_part`` fires."""
        schedule = next(s for s in self.schedules if name_part in s.name)
        event_id = self._event_id()
        payload = json.loads(
            schedule.input_template.replace("<aws.scheduler.execution-id>", event_id).replace(
                "<aws.scheduler.scheduled-time>", aws_events.SIMULATED_TIME
            )
        )
        self.trace(f"[{event_id}] schedule {schedule.name} fires")
        self._deliver(payload, rule=f"schedule {schedule.name}", function=schedule.target)

    def emit(self, event: dict[str, Any]) -> None:
        """Put ``event`` on the local default bus."""
        self._queue.append(event)

    def run(self) -> None:
        """Deliver queued events, and what they cause, until the bus is empty."""
        while self._queue:
            event = self._queue.popleft()
            summary = _event_summary(event)
            self.trace(f"[{event['id']}] {summary}")
            routed = False
            for rule in self.rules:
                if matches(rule.pattern, event):
                    for function in rule.targets:
                        routed = True
                        self._deliver(event, rule=rule.name, function=function)
            if not routed:
                self.record.unrouted.append(summary)
                self.trace("      no rule matches")

    # --- delivery ------------------------------------------------------------

    def _deliver(self, event: dict[str, Any], *, rule: str, function: LocalFunction) -> None:
        handler = self._handlers[function.arn]
        error: str | None = None
        response: dict[str, Any] | None = None
        attempts = 0
        for attempt in range(1 + function.retry_attempts):
            attempts = attempt + 1
            self._recording = []
            # Logs and metrics (EMF) go to stdout in Lambda; here they are kept out of the trace.
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    response = handler(
                        event, _LambdaContext(function, f"{event.get('id')}-{attempt}")
                    )
                error = None
            except Exception as failure:
                error = f"{type(failure).__name__}: {failure}"
            calls, self._recording = self._recording, None
            self._answer_calls(calls)
            if error is None:
                break
        delivery = Delivery(
            event_id=str(event.get("id")),
            event_summary=_event_summary(event),
            rule=rule,
            function=function.name,
            attempts=attempts,
            response=response,
            error=error,
        )
        self.record.deliveries.append(delivery)
        replay = any(
            d.event_id == delivery.event_id and d.function == function.name and d.error is None
            for d in self.record.deliveries[:-1]
        )
        if replay:
            self.trace(
                f"      {rule} -> {function.name}: duplicate delivery, answered from the "
                "idempotency record without acting again"
            )
        elif error is None and response is not None:
            self.trace(
                f"      {rule} -> {function.name}: {response.get('decision')} "
                f"({response.get('reason', '')})"
            )
        else:
            self.record.dead_lettered.append(
                {
                    "function": function.name,
                    "event": str(event.get("id")),
                    "queue": str(function.failure_destination),
                    "error": str(error),
                }
            )
            self.trace(
                f"      {rule} -> {function.name}: failed {attempts}x, dead-lettered: {error}"
            )

    # --- reading -------------------------------------------------------------

    def functions_environment(self, name: str) -> str:
        """The value of environment variable ``name`` shared by the loop functions."""
        for function in self.functions.values():
            if name in function.environment:
                return function.environment[name]
        raise KeyError(name)

    def package_status(self, package_arn: str) -> str:
        """The approval status of a package in the registry now."""
        package = self._clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
        return str(package["ModelApprovalStatus"])

    def decisions(self) -> list[str]:
        """The decision of every successful delivery, in order."""
        return [
            str(d.response.get("decision"))
            for d in self.record.deliveries
            if d.response is not None
        ]

    def _artifacts_bucket(self) -> str:
        return self.functions_environment("REPORT_BUCKET")

    def _event_id(self) -> str:
        self._event_counter += 1
        return f"local-{self._event_counter:04d}"


@dataclass(frozen=True)
class _LambdaContext:
    function: LocalFunction
    aws_request_id: str
    memory_limit_in_mb: int = 512

    @property
    def invoked_function_arn(self) -> str:
        return self.function.arn

    @property
    def function_name(self) -> str:
        return self.function.arn.rsplit(":", 1)[1]

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def _event_summary(event: dict[str, Any]) -> str:
    detail = event.get("detail", {})
    kind = event.get("detail-type", "?")
    if kind == "CloudWatch Alarm State Change":
        return f"{kind}: {detail.get('alarmName')} -> {detail.get('state', {}).get('value')}"
    if kind == "SageMaker Model Package State Change":
        package = _short(detail.get("ModelPackageArn", ""))
        return f"{kind}: {package} {detail.get('ModelApprovalStatus')}"
    if kind == "SageMaker Model Building Pipeline Execution Status Change":
        return f"{kind}: {detail.get('currentPipelineExecutionStatus')}"
    if kind == "Object Created":
        bucket, key = detail.get("bucket", {}).get("name"), detail.get("object", {}).get("key")
        return f"{kind}: s3://{bucket}/{key}"
    return str(kind)


def _short(package_arn: str) -> str:
    return package_arn.rsplit(":", 1)[-1].removeprefix("model-package/")


def _fake_credentials() -> dict[str, str]:
    # Fake credentials: the local loop must never reach a real account.
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
