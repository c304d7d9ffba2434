"""One environment's templates as an auditor reads them: resources, labels and references.

Every value a template computes at deploy time (``Ref``, ``Fn::GetAtt``,
``Fn::ImportValue``, ``Fn::Join``, ``Fn::Sub``) is rendered as readable text:
a resource is named by its construct path (``DataLake/RawZone/Bucket``) in
``${...}``, pseudo parameters by the environment's account and region when
the config names them, and ARNs take their service's shape so that policy
patterns (``arn:aws:s3:::cd4ml-*``) can be matched against them. Nothing is
looked up in AWS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tools.audit.arn_shapes import ARN_FORMATS, NAME_PROPERTIES, REF_IS_ARN
from tools.cloud_assembly import CloudAssembly, SynthesizedStack

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Resource:
    """One resource of a template, with the label auditors read it by."""

    stack: SynthesizedStack
    logical_id: str
    type: str
    properties: Mapping[str, Any]
    label: str
    path: str

    @property
    def body(self) -> Mapping[str, Any]:
        """The whole template entry (type, properties, policies, metadata)."""
        return dict(self.stack.template["Resources"][self.logical_id])


class EnvironmentView:
    """The stacks of one environment (``<env>/...``) and how their values read.

    :param assembly: the synthesized app.
    :param environment: the environment (Stage) name.
    :param account: the config's account, or None for env-agnostic stacks.
    :param region: the config's region, or None.
    """

    def __init__(
        self,
        *,
        assembly: CloudAssembly,
        environment: str,
        account: str | None = None,
        region: str | None = None,
    ) -> None:
        self.environment = environment
        self.account = account
        self.region = region
        prefix = f"{environment}/"
        self.products = tuple(s for s in assembly.products if s.display_name.startswith(prefix))
        self.stacks = (
            *(s for s in assembly.stacks if s.display_name.startswith(prefix)),
            *self.products,
        )
        self._by_stack = {stack.stack_name: stack for stack in self.stacks}
        self._exports: dict[str, tuple[SynthesizedStack, Any]] = {}
        for stack in self.stacks:
            for output in stack.template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if isinstance(name, str):
                    self._exports[name] = (stack, output["Value"])
        self._resources: dict[tuple[str, str], Resource] = {}
        for stack in self.stacks:
            for logical_id, body in stack.template.get("Resources", {}).items():
                self._resources[(stack.stack_name, logical_id)] = Resource(
                    stack=stack,
                    logical_id=logical_id,
                    type=str(body["Type"]),
                    properties=body.get("Properties") or {},
                    label=self._label(stack, logical_id, body),
                    path=str((body.get("Metadata") or {}).get("aws:cdk:path") or ""),
                )
        # The SSM contract: a stack reads another's value through a parameter of type
        # ``AWS::SSM::Parameter::Value<...>`` naming an ``AWS::SSM::Parameter`` of the app.
        self._ssm = {
            str(r.properties["Name"]): r
            for r in self.resources("AWS::SSM::Parameter")
            if isinstance(r.properties.get("Name"), str)
        }

    # --- resources -------------------------------------------------------

    def resources(self, *types: str) -> Iterator[Resource]:
        """Every resource (of ``types``, when given), stack by stack in assembly order."""
        for resource in self._resources.values():
            if not types or resource.type in types:
                yield resource

    def resource(self, stack: SynthesizedStack, logical_id: str) -> Resource:
        """The resource ``logical_id`` of ``stack``."""
        return self._resources[(stack.stack_name, logical_id)]

    def target(self, stack: SynthesizedStack, value: Any) -> Resource | None:
        """The resource a ``Ref``, ``Fn::GetAtt`` or ``Fn::ImportValue`` points at."""
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        ((function, argument),) = value.items()
        if function == "Ref" and isinstance(argument, str):
            contract = self._contract(stack, argument)
            if contract is not None:
                return self.target(contract.stack, contract.properties.get("Value"))
            return self._resources.get((stack.stack_name, argument))
        if function == "Fn::GetAtt":
            logical_id = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
            return self._resources.get((stack.stack_name, logical_id))
        if function == "Fn::ImportValue" and isinstance(argument, str):
            exported = self._exports.get(argument)
            return None if exported is None else self.target(exported[0], exported[1])
        return None

    def targets(self, stack: SynthesizedStack, value: Any) -> list[Resource]:
        """Every resource referenced anywhere inside ``value``."""
        found: list[Resource] = []
        direct = self.target(stack, value)
        if direct is not None:
            return [direct]
        if isinstance(value, Mapping):
            for item in value.values():
                found += self.targets(stack, item)
        elif isinstance(value, list):
            for item in value:
                found += self.targets(stack, item)
        return found

    def resource_name(self, resource: Resource) -> str:
        """The physical name: the name property when set, else ``${label}``."""
        key = NAME_PROPERTIES.get(resource.type)
        if key and key in resource.properties:
            return self.render(resource.stack, resource.properties[key])
        return f"${{{resource.label}}}"

    def arn(self, resource: Resource) -> str:
        """The ARN of ``resource``, in its service's shape where known."""
        shape = ARN_FORMATS.get(resource.type)
        if shape is None:
            return f"${{{resource.label}.Arn}}"
        return shape.format(
            p="aws",
            r=self._pseudo("AWS::Region"),
            a=self._pseudo("AWS::AccountId"),
            n=self.resource_name(resource),
        )

    def pseudo_arn(self, service: str, resource_part: str, *, global_service: bool = False) -> str:
        """An ARN of this environment's account and region (``arn:aws:<service>:...``)."""
        region = "" if global_service else self._pseudo("AWS::Region")
        return f"arn:aws:{service}:{region}:{self._pseudo('AWS::AccountId')}:{resource_part}"

    # --- rendering -------------------------------------------------------

    def render(self, stack: SynthesizedStack, value: Any) -> str:
        """``value`` as readable text, every intrinsic function rendered."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        tree = self.render_tree(stack, value)
        if isinstance(tree, str):
            return tree
        return json.dumps(tree, sort_keys=True, separators=(", ", ": "))

    def render_tree(self, stack: SynthesizedStack, value: Any) -> Any:
        """``value`` with each intrinsic function replaced by its rendered text."""
        if isinstance(value, list):
            return [self.render_tree(stack, item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            rendered = self._intrinsic(stack, function, argument)
            if rendered is not None:
                return rendered
        return {key: self.render_tree(stack, item) for key, item in value.items()}

    def render_list(self, stack: SynthesizedStack, value: Any) -> list[str]:
        """A value that is one item or a list of items, each rendered."""
        items = value if isinstance(value, list) else [value]
        return [self.render(stack, item) for item in items if item is not None]

    def _intrinsic(self, stack: SynthesizedStack, function: str, argument: Any) -> str | None:
        if function == "Ref":
            return self._ref(stack, str(argument))
        if function == "Fn::GetAtt":
            logical_id, attribute = (
                argument if isinstance(argument, list) else str(argument).split(".", 1)
            )
            resource = self._resources.get((stack.stack_name, logical_id))
            if resource is None:
                return f"${{{logical_id}.{attribute}}}"
            if attribute == "Arn":
                return self.arn(resource)
            return f"${{{resource.label}.{attribute}}}"
        if function == "Fn::ImportValue":
            name = self.render(stack, argument)
            if name not in self._exports:
                return f"${{import:{name}}}"
            exporting, exported = self._exports[name]
            return self.render(exporting, exported)
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            if isinstance(parts, list):
                return str(separator).join(self.render(stack, part) for part in parts)
        if function == "Fn::Sub":
            return self._sub(stack, argument)
        if function == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
            index, items = argument
            if isinstance(items, list):
                return self.render(stack, items[int(index)])
            if isinstance(items, Mapping) and "Fn::GetAZs" in items:
                return f"${{AZ {int(index) + 1}}}"
        return None

    def _ref(self, stack: SynthesizedStack, name: str) -> str:
        if name.startswith("AWS::"):
            return self._pseudo(name, stack)
        resource = self._resources.get((stack.stack_name, name))
        if resource is None:
            contract = self._contract(stack, name)
            if contract is not None:
                return self.render(contract.stack, contract.properties.get("Value"))
            return f"${{parameter:{name}}}"
        if resource.type in REF_IS_ARN:
            return self.arn(resource)
        return self.resource_name(resource)

    def _contract(self, stack: SynthesizedStack, parameter: str) -> Resource | None:
        """The app's SSM parameter that a template parameter of SSM type reads."""
        declared = (stack.template.get("Parameters") or {}).get(parameter) or {}
        if not str(declared.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
            return None
        return self._ssm.get(str(declared.get("Default", "")))

    def _pseudo(self, name: str, stack: SynthesizedStack | None = None) -> str:
        if name == "AWS::Partition":
            return "aws"
        if name == "AWS::URLSuffix":
            return "amazonaws.com"
        if name == "AWS::Region" and self.region:
            return self.region
        if name == "AWS::AccountId" and self.account:
            return self.account
        if name == "AWS::StackName" and stack is not None:
            return stack.stack_name
        return f"${{{name}}}"

    def _sub(self, stack: SynthesizedStack, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.render(stack, variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.render(stack, {"Fn::GetAtt": [logical_id, attribute]})
            return self._ref(stack, name)

        return _SUB_VARIABLE.sub(replace, str(text))

    def _label(self, stack: SynthesizedStack, logical_id: str, body: Mapping[str, Any]) -> str:
        path = str((body.get("Metadata") or {}).get("aws:cdk:path") or "")
        if not path:
            return f"{stack.stack_name}/{logical_id}"
        path = path.removeprefix(f"{self.environment}/")
        return path.removesuffix("/Resource")
