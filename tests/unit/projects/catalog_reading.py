"""Reading the project catalog: its stack, the product template, values with intrinsics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import SynthesizedEnvironment
from tools.cloud_assembly import SynthesizedStack

# What CloudFormation would substitute for the pseudo parameters of an
# env-agnostic template, to read rendered values in the tests.
PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def catalog_stack(environment: SynthesizedEnvironment) -> SynthesizedStack:
    """The stack ``<env>/ProjectCatalog``."""
    return environment.assembly.stack(f"{environment.config.name}/ProjectCatalog")


def product_template_path(environment: SynthesizedEnvironment) -> Path:
    """The product stack's template file, written next to the stacks' templates."""
    folder = catalog_stack(environment).template_path.parent
    (path,) = folder.glob("*ProjectCatalogProjectTemplate*.product.template.json")
    return path


def product_template(environment: SynthesizedEnvironment) -> dict[str, Any]:
    """The project template as published to SageMaker Projects."""
    return dict(json.loads(product_template_path(environment).read_text(encoding="utf-8")))


def render(value: Any, parameters: dict[str, str] | None = None) -> str:
    """A CloudFormation string value with its joins, subs and references substituted.

    Pseudo parameters take :data:`PSEUDO`'s values, ``parameters`` those given;
    any other reference renders as ``<name>``.
    """
    names = {**PSEUDO, **(parameters or {})}
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if "Ref" in value:
        return names.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return str(delimiter).join(render(part, parameters) for part in parts)
    if "Fn::Sub" in value:
        text = str(value["Fn::Sub"])
        for name, substitute in names.items():
            text = text.replace(f"${{{name}}}", substitute)
        return text
    if "Fn::Select" in value:
        index, items = value["Fn::Select"]
        if isinstance(items, dict) and "Fn::Split" in items:
            delimiter, source = items["Fn::Split"]
            pieces = render(source, parameters).split(delimiter)
            return pieces[int(index)]
        return render(items[int(index)], parameters)
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if "Fn::ImportValue" in value:
        return f"<import {render(value['Fn::ImportValue'], parameters)}>"
    raise ValueError(f"cannot render {value}")


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource of one type in a template document."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def account_region(environment: SynthesizedEnvironment) -> tuple[str, str]:
    """The account and region a rendered value of the environment's templates shows."""
    config = environment.config
    return config.account or "123456789012", config.region or "us-east-1"


def only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The one resource of ``resources``."""
    assert len(resources) == 1, list(resources)
    return next(iter(resources.values()))


def catalog_bucket(environment: SynthesizedEnvironment) -> tuple[str, dict[str, Any]]:
    """The catalog bucket: logical id and resource."""
    buckets = catalog_stack(environment).resources_of_type("AWS::S3::Bucket")
    return next(iter(buckets.items()))


def policy_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy document."""
    return list(document["Statement"])


def as_list(value: Any) -> list[Any]:
    """An IAM value that may be one item or a list, as a list."""
    return value if isinstance(value, list) else [value]


def launch_statements(environment: SynthesizedEnvironment) -> list[dict[str, Any]]:
    """Every statement of the launch role's managed policies."""
    template = catalog_stack(environment)
    (role_id,) = [k for k in template.resources_of_type("AWS::IAM::Role") if k.startswith("Launch")]
    found = []
    for policy in template.resources_of_type("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            found += policy_statements(policy["Properties"]["PolicyDocument"])
    return found
