"""The CloudFormation execution policy shipped for ``cdk bootstrap``: enough, and no more."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from config.delivery import load_delivery
from config.delivery_bootstrap import bootstrap_commands
from tests.unit.delivery.conftest import SynthesizedDelivery
from tools.cloud_assembly import SynthesizedStack

POLICY = Path(__file__).parents[3] / "config" / "bootstrap" / "cloudformation-execution-policy.json"
# CloudFormation type namespace -> IAM service prefix, where they differ.
PREFIXES = {
    "ApplicationAutoScaling": "application-autoscaling",
    "CodeStarConnections": "codestar-connections",
}


def statements(effect: str) -> list[dict[str, Any]]:
    document = json.loads(POLICY.read_text())
    return [s for s in document["Statement"] if s["Effect"] == effect]


def allowed_services() -> set[str]:
    return {
        action.split(":")[0]
        for statement in statements("Allow")
        for action in statement["Action"]
        if action.endswith(":*") or action.startswith("iam:")
    }


def service_of(resource_type: str) -> str:
    if (
        resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    ):
        return "lambda"
    namespace = resource_type.split("::")[1]
    return PREFIXES.get(namespace, namespace.lower())


def test_policy_covers_every_resource_type_the_pipeline_deploys(
    delivery_example: SynthesizedDelivery,
) -> None:
    types = {r["Type"] for s in delivery_example.assembly.stacks for r in s.resources.values()}
    assert len(types) >= 30
    # The project stacks and the project catalog are among what each stage deploys.
    assert {"AWS::SageMaker::ModelPackageGroup", "AWS::ServiceCatalog::Portfolio"} <= types
    missing = sorted(t for t in types if service_of(t) not in allowed_services())
    assert missing == []


def test_policy_is_not_administrator_access() -> None:
    for statement in statements("Allow"):
        assert "*" not in statement["Action"]
        assert "iam:*" not in statement["Action"]
        assert all(
            not action.startswith(("organizations:", "account:")) for action in statement["Action"]
        )


def bounded_statement() -> dict[str, Any]:
    (bounded,) = [s for s in statements("Allow") if s["Sid"] == "RolesOnlyWithThePlatformBoundary"]
    return bounded


def test_roles_are_created_only_with_a_platform_boundary() -> None:
    bounded = bounded_statement()
    assert "iam:CreateRole" in bounded["Action"]
    assert bounded["Condition"] == {
        "StringLike": {
            "iam:PermissionsBoundary": "arn:*:iam::*:policy/cd4ml-*-permissions-boundary"
        }
    }
    unbounded = [a for s in statements("Allow") if not s.get("Condition") for a in s["Action"]]
    assert "iam:CreateRole" not in unbounded
    assert "iam:PutRolePolicy" not in unbounded


@pytest.mark.parametrize("action", ["iam:CreateUser", "iam:DeleteRolePermissionsBoundary"])
def test_users_and_boundary_removal_are_denied(action: str) -> None:
    denied = [a for s in statements("Deny") for a in s["Action"]]
    assert action in denied


def test_the_readme_bootstraps_each_example_account_with_the_shipped_policy() -> None:
    readme = (POLICY.parents[2] / "README.md").read_text()
    section = readme[readme.index("## Deploying through the pipeline") :]
    section = section[: section.index("\n## ")]
    commands = bootstrap_commands(load_delivery("delivery-example"))
    assert sum(c.startswith("npx cdk bootstrap") for c in commands) == 4
    for command in commands:
        assert command in section, command
    assert "config/bootstrap/cloudformation-execution-policy.json" in section
    assert "python -m config.delivery_bootstrap NAME --policy ACCOUNT" in section


def boundary_arn(value: Any, stack: SynthesizedStack, stacks: dict[str, SynthesizedStack]) -> str:
    """The ARN a role's PermissionsBoundary resolves to, following exports and SSM parameters."""
    if "Fn::ImportValue" in value:
        exporter_name = value["Fn::ImportValue"].split(":")[0]
        exporter = stacks[exporter_name]
        (output,) = [
            o
            for o in exporter.template["Outputs"].values()
            if o.get("Export", {}).get("Name") == value["Fn::ImportValue"]
        ]
        return boundary_arn(output["Value"], exporter, stacks)
    logical_id = value["Ref"]
    if logical_id in stack.template.get("Parameters", {}):
        name = stack.template["Parameters"][logical_id]["Default"]
        for other in stacks.values():
            for parameter in other.resources_of_type("AWS::SSM::Parameter").values():
                if parameter["Properties"]["Name"] == name:
                    return boundary_arn(parameter["Properties"]["Value"], other, stacks)
        raise AssertionError(f"no SSM parameter {name}")
    policy = stack.resources[logical_id]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy", logical_id
    properties = policy["Properties"]
    path = properties.get("Path", "/")
    return f"arn:aws:iam::111122223333:policy{path}{properties['ManagedPolicyName']}"


@pytest.mark.parametrize("fixture", ["delivery_example", "delivery_cross_region"])
def test_every_role_the_pipeline_deploys_has_a_boundary_the_policy_admits(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    delivery: SynthesizedDelivery = request.getfixturevalue(fixture)
    pattern = bounded_statement()["Condition"]["StringLike"]["iam:PermissionsBoundary"]
    stacks = {s.stack_name: s for s in delivery.assembly.stacks}
    checked = 0
    for stack in stacks.values():
        for logical_id, role in stack.resources_of_type("AWS::IAM::Role").items():
            arn = boundary_arn(role["Properties"]["PermissionsBoundary"], stack, stacks)
            assert fnmatch.fnmatchcase(arn, pattern), (stack.stack_name, logical_id, arn)
            checked += 1
    assert checked >= 60
