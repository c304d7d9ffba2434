"""Resolve CloudFormation intrinsics of synthesized templates to local physical values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tools.cloud_assembly import CloudAssembly, SynthesizedStack

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnresolvableValue(ValueError):
    """A template value the local loop cannot turn into a concrete value."""


class TemplateResolver:
    """Physical ids, ARNs and exports of every stack, and the intrinsics that read them.

    Physical names: a resource's own name property when the template sets
    one, else its logical id in lower case (what a real deploy would
    generate, shortened). ARNs follow each service's format.
    """

    def __init__(self, assembly: CloudAssembly, *, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self._stacks = {stack.stack_name: stack for stack in assembly.stacks}
        self._exports: dict[str, tuple[SynthesizedStack, Any]] = {}
        for stack in assembly.stacks:
            for output in stack.template.get("Outputs", {}).values():
                export = output.get("Export", {}).get("Name")
                if export is not None:
                    self._exports[str(export)] = (stack, output["Value"])
        # SSM parameters by name: a project stack reads the platform's values
        # through parameters of SSM types, resolved here as CloudFormation would.
        self._ssm: dict[str, tuple[SynthesizedStack, Any]] = {}
        for stack in assembly.stacks:
            for resource in stack.resources.values():
                if resource["Type"] == "AWS::SSM::Parameter":
                    properties = resource.get("Properties", {})
                    name = properties.get("Name")
                    if isinstance(name, str):
                        self._ssm[name] = (stack, properties.get("Value"))

    # --- physical values -------------------------------------------------

    def physical_name(self, stack: SynthesizedStack, logical_id: str) -> str:
        """The name a resource would have when deployed (``Ref`` of most types)."""
        resource = stack.resources[logical_id]
        properties = resource.get("Properties", {})
        for key in _NAME_PROPERTIES.get(resource["Type"], ()):
            if key in properties:
                return str(self.resolve(stack, properties[key]))
        return logical_id.lower()[:60]

    def ref(self, stack: SynthesizedStack, logical_id: str) -> str:
        """``Ref`` of a resource, as CloudFormation returns it for its type."""
        resource_type = stack.resources[logical_id]["Type"]
        name = self.physical_name(stack, logical_id)
        if resource_type in ("AWS::SNS::Topic", "AWS::KMS::Key"):
            return self.arn(stack, logical_id)
        if resource_type == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        return name

    def arn(self, stack: SynthesizedStack, logical_id: str) -> str:
        """``Fn::GetAtt [id, Arn]`` of a resource."""
        resource_type = stack.resources[logical_id]["Type"]
        name = self.physical_name(stack, logical_id)
        service, kind = _ARN_FORMATS.get(resource_type, (None, None))
        if service is None:
            raise UnresolvableValue(f"no ARN format for {resource_type} ({logical_id})")
        if service == "s3":
            return f"arn:aws:s3:::{name}"
        if service == "iam":
            return f"arn:aws:iam::{self.account}:{kind}/{name}"
        if kind == "":
            return f"arn:aws:{service}:{self.region}:{self.account}:{name}"
        separator = ":" if service in ("lambda", "logs", "cloudwatch") else "/"
        if name.startswith("/"):
            separator = ""
        return f"arn:aws:{service}:{self.region}:{self.account}:{kind}{separator}{name}"

    # --- intrinsics ------------------------------------------------------

    def resolve(self, stack: SynthesizedStack, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its local value."""
        if isinstance(value, list):
            return [self.resolve(stack, item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) != 1:
            return {key: self.resolve(stack, item) for key, item in value.items()}
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._ref(stack, argument)
        if function == "Fn::GetAtt":
            logical_id, attribute = (
                argument if isinstance(argument, list) else argument.split(".", 1)
            )
            if attribute == "Arn":
                return self.arn(stack, logical_id)
            if attribute == "Name":
                return self.physical_name(stack, logical_id)
            if attribute.endswith("Id"):
                # Generated ids (a security group's GroupId, a key's KeyId):
                # a stable local stand-in, as no AWS API hands them out here.
                return f"{attribute.lower()}-{logical_id.lower()[:40]}"
            raise UnresolvableValue(f"Fn::GetAtt {logical_id}.{attribute}")
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(str(self.resolve(stack, part)) for part in parts)
        if function == "Fn::Sub":
            return self._sub(stack, argument)
        if function == "Fn::ImportValue":
            name = str(self.resolve(stack, argument))
            if name not in self._exports:
                raise UnresolvableValue(f"no export named {name}")
            exporting_stack, exported = self._exports[name]
            return self.resolve(exporting_stack, exported)
        if function == "Fn::Select":
            index, items = argument
            return self.resolve(stack, items)[int(index)]
        if function == "Fn::Split":
            separator, text = argument
            return str(self.resolve(stack, text)).split(separator)
        if function.startswith("Fn::"):
            raise UnresolvableValue(f"{function} is not supported locally")
        return {key: self.resolve(stack, item) for key, item in value.items()}

    def _ref(self, stack: SynthesizedStack, name: str) -> str:
        pseudo = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.stack_name,
        }
        if name in pseudo:
            return pseudo[name]
        if name in stack.resources:
            return self.ref(stack, name)
        parameter = stack.template.get("Parameters", {}).get(name, {})
        if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
            return self._ssm_value(
                str(parameter.get("Default")), list_type="List<" in parameter["Type"]
            )
        raise UnresolvableValue(f"Ref {name} in {stack.stack_name}")

    def _ssm_value(self, name: str, *, list_type: bool) -> Any:
        if name not in self._ssm:
            raise UnresolvableValue(f"no SSM parameter named {name} in the assembly")
        owner, value = self._ssm[name]
        resolved = self.resolve(owner, value)
        return str(resolved).split(",") if list_type else resolved

    def _sub(self, stack: SynthesizedStack, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(stack, variables[name]))
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return str(self.resolve(stack, {"Fn::GetAtt": [logical_id, attribute]}))
            return str(self._ref(stack, name))

        return _SUB_VARIABLE.sub(replace, text)


_NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::DynamoDB::Table": ("TableName",),
    "AWS::SNS::Topic": ("TopicName",),
    "AWS::SQS::Queue": ("QueueName",),
    "AWS::S3::Bucket": ("BucketName",),
    "AWS::SSM::Parameter": ("Name",),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::SageMaker::ModelPackageGroup": ("ModelPackageGroupName",),
    "AWS::SageMaker::Pipeline": ("PipelineName",),
    "AWS::CodePipeline::Pipeline": ("Name",),
    "AWS::CloudWatch::Alarm": ("AlarmName",),
    "AWS::Events::Rule": ("Name",),
    "AWS::Scheduler::Schedule": ("Name",),
    "AWS::IAM::Role": ("RoleName",),
    "AWS::Logs::LogGroup": ("LogGroupName",),
}

_ARN_FORMATS: dict[str, tuple[str, str]] = {
    "AWS::DynamoDB::Table": ("dynamodb", "table"),
    "AWS::SNS::Topic": ("sns", ""),
    "AWS::SQS::Queue": ("sqs", ""),
    "AWS::S3::Bucket": ("s3", ""),
    "AWS::Lambda::Function": ("lambda", "function"),
    "AWS::SageMaker::ModelPackageGroup": ("sagemaker", "model-package-group"),
    "AWS::SageMaker::Pipeline": ("sagemaker", "pipeline"),
    "AWS::CloudWatch::Alarm": ("cloudwatch", "alarm"),
    "AWS::Events::Rule": ("events", "rule"),
    "AWS::KMS::Key": ("kms", "key"),
    "AWS::IAM::Role": ("iam", "role"),
    "AWS::IAM::ManagedPolicy": ("iam", "policy"),
    "AWS::Logs::LogGroup": ("logs", "log-group"),
    "AWS::SSM::Parameter": ("ssm", "parameter"),
    "AWS::Scheduler::Schedule": ("scheduler", "schedule/default"),
}
