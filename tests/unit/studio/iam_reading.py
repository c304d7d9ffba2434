"""Reading IAM out of synthesized templates: roles, their policies, their trust."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from tools.cloud_assembly import CloudAssembly, SynthesizedStack

PERSONA_ROLES = {
    "data_scientist": "DataScientistRole",
    "ml_engineer": "MlEngineerRole",
    "model_approver": "ModelApproverRole",
    "platform_admin": "PlatformAdministratorRole",
}


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one value or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def path_of(resource: dict[str, Any]) -> str:
    return str(resource.get("Metadata", {}).get("aws:cdk:path", ""))


def persona_role(stack: SynthesizedStack, persona: str) -> str:
    """The logical id of a persona's role in the Studio stack."""
    suffix = f"/Personas/{PERSONA_ROLES[persona]}/Resource"
    found = [
        logical_id
        for logical_id, resource in stack.resources_of_type("AWS::IAM::Role").items()
        if path_of(resource).endswith(suffix)
    ]
    assert len(found) == 1, (persona, found)
    return found[0]


def role_statements(stack: SynthesizedStack, role_id: str) -> list[dict[str, Any]]:
    """Every statement of every identity policy of a role in its own stack.

    Managed policies attached from either side, inline ``Policies`` and
    ``AWS::IAM::Policy`` resources all count.
    """
    role = stack.resources[role_id]["Properties"]
    statements: list[dict[str, Any]] = []
    for policy in role.get("Policies", []):
        statements += as_list(policy["PolicyDocument"]["Statement"])
    attached = {
        arn["Ref"]
        for arn in role.get("ManagedPolicyArns", [])
        if isinstance(arn, dict) and "Ref" in arn
    }
    for logical_id, resource in stack.resources.items():
        if resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            continue
        properties = resource["Properties"]
        if logical_id in attached or {"Ref": role_id} in properties.get("Roles", []):
            statements += as_list(properties["PolicyDocument"]["Statement"])
    return statements


def grants(statements: list[dict[str, Any]], action: str, effect: str = "Allow") -> list[str]:
    """Flattened resources of the statements with ``effect`` whose actions match ``action``."""
    return [
        flatten(resource)
        for statement in statements
        if statement["Effect"] == effect
        and any(fnmatch.fnmatchcase(action, pattern) for pattern in as_list(statement["Action"]))
        for resource in as_list(statement.get("Resource"))
    ]


def all_roles(assembly: CloudAssembly) -> Iterator[tuple[SynthesizedStack, str, dict[str, Any]]]:
    """``(stack, logical id, role)`` for every IAM role of every stack."""
    for stack in assembly.stacks:
        for logical_id, resource in stack.resources_of_type("AWS::IAM::Role").items():
            yield stack, logical_id, resource


def people_may_assume(role: dict[str, Any]) -> bool:
    """True when the trust policy lets IAM principals (people) assume the role."""
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return any("AWS" in statement.get("Principal", {}) for statement in trust)
