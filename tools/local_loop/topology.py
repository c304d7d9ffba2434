"""What the synthesized templates declare for the loop: functions, rules and schedules.

``TemplateTopology`` reads them from a cloud assembly, resolving references with
the ``TemplateResolver`` as the deployed account would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.cloud_assembly import CloudAssembly
from tools.local_loop.resolver import TemplateResolver

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


@dataclass(frozen=True)
class TemplateTopology:
    """Reads the loop's functions, rules and schedules from ``assembly``."""

    assembly: CloudAssembly
    resolver: TemplateResolver

    def functions(self) -> dict[str, LocalFunction]:
        """The loop's functions by ARN (aws-cdk-lib's own handlers left out)."""
        functions: dict[str, LocalFunction] = {}
        invoke_configs = {}
        for stack in self.assembly.stacks:
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
        for stack in self.assembly.stacks:
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

    def rules(self, functions: dict[str, LocalFunction]) -> list[LocalRule]:
        """The rules with an event pattern, each with the loop functions it targets."""
        rules = []
        for stack in self.assembly.stacks:
            for logical_id, resource in stack.resources_of_type("AWS::Events::Rule").items():
                properties = resource["Properties"]
                if "EventPattern" not in properties:
                    continue
                targets = tuple(
                    functions[arn]
                    for target in properties.get("Targets", [])
                    if (arn := self.resolver.resolve(stack, target["Arn"])) in functions
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

    def schedules(self, functions: dict[str, LocalFunction]) -> list[LocalSchedule]:
        """The schedules that invoke a loop function."""
        schedules = []
        for stack in self.assembly.stacks:
            for logical_id, resource in stack.resources_of_type("AWS::Scheduler::Schedule").items():
                target = resource["Properties"]["Target"]
                arn = self.resolver.resolve(stack, target["Arn"])
                if arn not in functions:
                    continue
                path = resource.get("Metadata", {}).get("aws:cdk:path", logical_id)
                schedules.append(
                    LocalSchedule(
                        name="/".join(path.split("/")[2:-1]) or logical_id,
                        target=functions[arn],
                        input_template=str(self.resolver.resolve(stack, target["Input"])),
                    )
                )
        return schedules
