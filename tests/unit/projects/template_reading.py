"""Reading the synthesized deploy pipeline stacks: resources, actions, roles' statements."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def pipeline(template: dict[str, Any]) -> dict[str, Any]:
    (pipeline,) = of_type(template, "AWS::CodePipeline::Pipeline").values()
    return dict(pipeline["Properties"])


def action(template: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    for stage_props in pipeline(template)["Stages"]:
        if stage_props["Name"] == stage:
            for action in stage_props["Actions"]:
                if action["Name"] == name:
                    return dict(action)
    raise KeyError((stage, name))


def render(value: Any) -> str:
    """A CloudFormation value as text, with references shown as <Ref> and <Id.Attr>."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if "Fn::Join" in value:
        delimiter, items = value["Fn::Join"]
        if isinstance(items, dict):
            return f"<list {render(items)}>"
        return str(delimiter).join(render(item) for item in items)
    return json.dumps(value, sort_keys=True)


def logical_id(construct: Any) -> str:
    element = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    return str(cdk.Stack.of(element).resolve(element.logical_id))


def statements(template: dict[str, Any], role: iam.IRole) -> list[dict[str, Any]]:
    role_id = logical_id(role)
    found = []
    for policy in of_type(template, "AWS::IAM::ManagedPolicy").values():
        document = policy["Properties"]["PolicyDocument"]["Statement"]
        if all(statement["Effect"] == "Deny" for statement in document):
            continue  # the job guardrails: tests/unit/hardening and the CD4ML rule read them
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def by_actions(statements: list[dict[str, Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
    def actions(statement: dict[str, Any]) -> tuple[str, ...]:
        value = statement["Action"]
        return tuple(sorted([value] if isinstance(value, str) else value))

    return {actions(statement): statement for statement in statements}


def resources(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return [render(item) for item in (value if isinstance(value, list) else [value])]
