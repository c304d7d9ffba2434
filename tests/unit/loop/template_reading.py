"""Reading the loop's synthesized templates: resources by construct path, role permissions."""

from __future__ import annotations

from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment
from tools.cloud_assembly import SynthesizedStack

FUNCTIONS = ("RetrainTrigger", "QualityGate", "DeployTrigger", "DriftCheck")


def stack(environment: SynthesizedEnvironment, name: str) -> SynthesizedStack:
    """The stack ``<env>/<name>`` of an environment."""
    return environment.assembly.stack(f"{environment.config.name}/{name}")


def project_stack(environment: SynthesizedEnvironment, project: str) -> SynthesizedStack:
    """The stack ``<env>/Project<Project>`` of one declared project."""
    return stack(environment, f"Project{pascal(project)}")


def pascal(name: str) -> str:
    """A project name as its construct id: ``credit-risk`` -> ``CreditRisk``."""
    return "".join(part.capitalize() for part in name.split("-"))


def resource_at(stack: SynthesizedStack, path: str) -> tuple[str, dict[str, Any]]:
    """The one resource whose construct path ends with ``/<path>``: (logical id, resource)."""
    found = [
        (logical_id, resource)
        for logical_id, resource in stack.resources.items()
        if resource.get("Metadata", {}).get("aws:cdk:path", "").endswith(f"/{path}")
    ]
    assert len(found) == 1, (path, [f[0] for f in found])
    return found[0]


def properties_at(stack: SynthesizedStack, path: str) -> dict[str, Any]:
    """The properties of the one resource at ``path``."""
    return dict(resource_at(stack, path)[1]["Properties"])


def role_permissions(stack: SynthesizedStack, role_path: str) -> dict[str, set[str]]:
    """Flattened resource -> allowed actions, over every managed policy of a role.

    Also checks that the role has no inline policy at all.
    """
    role_id, role = resource_at(stack, f"{role_path}/Resource")
    assert "Policies" not in role["Properties"], role_path
    permissions: dict[str, set[str]] = {}
    for resource in stack.resources_of_type("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} not in resource["Properties"].get("Roles", []):
            continue
        if resource["Metadata"]["aws:cdk:path"].endswith("/SageMakerJobGuardrails/Resource"):
            continue  # denies only, read by tests/unit/hardening and the CD4ML rule
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if statement.get("Sid") == "NoSageMakerJobs":
                continue  # a deny, read by tests/unit/hardening
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            resources = statement["Resource"]
            for item in resources if isinstance(resources, list) else [resources]:
                permissions.setdefault(flatten(item), set()).update(
                    [actions] if isinstance(actions, str) else actions
                )
    for resource in stack.resources_of_type("AWS::IAM::Policy").values():
        assert {"Ref": role_id} not in resource["Properties"].get("Roles", []), role_path
    return permissions


def statement_with_sid(stack: SynthesizedStack, role_path: str, sid: str) -> dict[str, Any]:
    """The statement ``sid`` of the role's managed policy."""
    role_id, _ = resource_at(stack, f"{role_path}/Resource")
    for resource in stack.resources_of_type("AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in resource["Properties"].get("Roles", []):
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement.get("Sid") == sid:
                    return dict(statement)
    raise AssertionError(f"no statement {sid} in {role_path}")
