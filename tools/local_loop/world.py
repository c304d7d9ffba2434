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
import json
import os
from collections import deque
from collections.abc import Callable
from typing import Any

from tools.cloud_assembly import CloudAssembly
from tools.event_patterns import matches
from tools.local_loop import aws_events
from tools.local_loop.aws_replies import AwsReplies
from tools.local_loop.delivery import (
    Delivery,
    Invoker,
    LoopRecord,
    event_summary,
    recording_api_calls,
    short_package_name,
)
from tools.local_loop.provisioning import (
    ACCOUNT,
    LAMBDAS_DIR,
    REGION,
    fake_credentials,
    import_handlers,
    provision,
    register_model_package,
)
from tools.local_loop.resolver import TemplateResolver
from tools.local_loop.topology import LocalFunction, LocalRule, LocalSchedule, TemplateTopology

__all__ = [
    "ACCOUNT",
    "LAMBDAS_DIR",
    "REGION",
    "Delivery",
    "LocalFunction",
    "LocalLoop",
    "LocalRule",
    "LocalSchedule",
    "LoopRecord",
]


class LocalLoop(AwsReplies):
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
        self._stack_exit: contextlib.ExitStack | None = None
        topology = TemplateTopology(assembly, self.resolver)
        self.functions = topology.functions()
        self.rules = topology.rules(self.functions)
        self.schedules = topology.schedules(self.functions)
        self.policies: dict[str, dict[str, Any]] = {}
        self._invoker = Invoker(
            handlers={}, record=self.record, trace=self._trace, answer=self._answer_calls
        )

    # --- set-up -------------------------------------------------------------

    def __enter__(self) -> LocalLoop:
        os.environ.update(fake_credentials())
        stack = contextlib.ExitStack()
        from moto import mock_aws

        stack.enter_context(mock_aws())
        stack.enter_context(recording_api_calls(self._invoker.take_call))
        self._stack_exit = stack
        import boto3

        self._clients = {
            name: boto3.client(name, region_name=REGION)
            for name in ("s3", "sns", "sqs", "ssm", "dynamodb", "sagemaker", "codepipeline", "iam")
        }
        self.policies = provision(self.assembly, self.resolver, self._clients)
        self._invoker.handlers = import_handlers(self.functions)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._stack_exit is not None:
            self._stack_exit.close()

    def _trace(self, line: str) -> None:
        self.trace(line)

    # --- what scenarios do -------------------------------------------------

    def queue_build_metrics(self, project: str, *values: float) -> None:
        """The metric values the next model-build runs of ``project`` will produce."""
        self._next_metrics.setdefault(project, deque()).extend(values)

    def register_package(
        self, project: str, metric_value: float, *, status: str, generated_by: str = "local"
    ) -> str:
        """Register a model package of ``project`` with an evaluation report in S3."""
        return register_model_package(
            self._clients,
            self.policies[project],
            bucket=self._artifacts_bucket(),
            metric_value=metric_value,
            status=status,
            generated_by=generated_by,
        )

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
        self.trace(f"  person: {status} {short_package_name(package_arn)}")
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
            summary = event_summary(event)
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

    def _deliver(self, event: dict[str, Any], *, rule: str, function: LocalFunction) -> None:
        self._invoker.deliver(event, rule=rule, function=function)

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
