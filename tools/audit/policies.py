"""IAM policy statements as rendered text, and what a role may do with them.

The evaluation follows IAM's order for one account: an explicit deny wins;
otherwise an action needs an allow in the role's identity policies and, when
the role has a permissions boundary, in the boundary too. Conditions are not
evaluated: a statement with a condition is reported as conditional, never as
a plain allow or deny.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from tools.audit.references import EnvironmentView, Resource
from tools.cloud_assembly import SynthesizedStack

Verdict = Literal["allowed", "conditional", "denied", "not allowed"]


@dataclass(frozen=True)
class Statement:
    """One policy statement, every value rendered."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    source: str
    not_actions: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    condition: str = ""
    sid: str = ""

    def covers_action(self, action: str) -> bool:
        """True when the statement's Action (or NotAction) includes ``action``."""
        if self.not_actions:
            return not any(_matches(pattern, action, fold=True) for pattern in self.not_actions)
        return any(_matches(pattern, action, fold=True) for pattern in self.actions)

    def covers_resource(self, resource: str) -> bool:
        """True when the statement's Resource (or NotResource) includes ``resource``."""
        if self.not_resources:
            return not any(_matches(pattern, resource) for pattern in self.not_resources)
        return any(_matches(pattern, resource) for pattern in self.resources)


@dataclass(frozen=True)
class RolePolicies:
    """Everything that decides what one role may do."""

    role: Resource
    identity: tuple[Statement, ...]
    boundary: tuple[Statement, ...] | None
    boundary_name: str
    external_policies: tuple[str, ...] = field(default=())
    # action -> (identity statements, boundary statements) that cover it; the
    # answers ask a handful of actions of every role, on many resources.
    _by_action: dict[str, tuple[tuple[Statement, ...], tuple[Statement, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def verdict(self, action: str, resource: str) -> Verdict:
        """What IAM would answer for ``action`` on ``resource``, conditions aside."""
        if action not in self._by_action:
            self._by_action[action] = (
                tuple(s for s in self.identity if s.covers_action(action)),
                tuple(s for s in (self.boundary or ()) if s.covers_action(action)),
            )
        covering, ceiling_statements = self._by_action[action]
        statements = [s for s in covering if s.covers_resource(resource)]
        boundary = [s for s in ceiling_statements if s.covers_resource(resource)]
        denies = [s for s in (*statements, *boundary) if s.effect == "Deny"]
        if any(not s.condition for s in denies):
            return "denied"
        allows = [s for s in statements if s.effect == "Allow"]
        if self.boundary is not None:
            ceiling = [s for s in boundary if s.effect == "Allow"]
            if not ceiling:
                return "not allowed"
            if all(s.condition for s in ceiling):
                return "conditional" if allows else "not allowed"
        if not allows:
            return "not allowed"
        if denies or all(s.condition for s in allows):
            return "conditional"
        return "allowed"


def statements_of(
    view: EnvironmentView, stack: SynthesizedStack, document: Any, source: str
) -> list[Statement]:
    """The statements of a policy document, rendered for ``stack``."""
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement", [])
    found = []
    for statement in raw if isinstance(raw, list) else [raw]:
        condition = statement.get("Condition")
        found.append(
            Statement(
                effect=str(statement.get("Effect", "Allow")),
                actions=tuple(view.render_list(stack, statement.get("Action", []))),
                not_actions=tuple(view.render_list(stack, statement.get("NotAction", []))),
                resources=tuple(view.render_list(stack, statement.get("Resource", []))),
                not_resources=tuple(view.render_list(stack, statement.get("NotResource", []))),
                condition="" if not condition else view.render(stack, condition),
                sid=str(statement.get("Sid", "")),
                source=source,
            )
        )
    return found


def role_policies(view: EnvironmentView) -> list[RolePolicies]:
    """Every role of the environment with its identity policies and its boundary."""
    attached: dict[tuple[str, str], list[Statement]] = {}
    for policy in view.resources("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        document = policy.properties.get("PolicyDocument")
        statements = statements_of(view, policy.stack, document, policy.label)
        for role_value in policy.properties.get("Roles", []):
            role = view.target(policy.stack, role_value)
            if role is not None:
                key = (role.stack.stack_name, role.logical_id)
                attached.setdefault(key, []).extend(statements)
    found = []
    for role in view.resources("AWS::IAM::Role"):
        identity = list(attached.get((role.stack.stack_name, role.logical_id), []))
        external = []
        for inline in role.properties.get("Policies", []):
            name = view.render(role.stack, inline.get("PolicyName", ""))
            identity += statements_of(
                view, role.stack, inline.get("PolicyDocument"), f"{role.label} (inline {name})"
            )
        for arn in role.properties.get("ManagedPolicyArns", []):
            managed = view.target(role.stack, arn)
            if managed is not None and managed.type == "AWS::IAM::ManagedPolicy":
                identity += statements_of(
                    view, managed.stack, managed.properties.get("PolicyDocument"), managed.label
                )
            else:
                external.append(view.render(role.stack, arn))
        boundary, boundary_name = _boundary(view, role)
        found.append(
            RolePolicies(
                role=role,
                identity=tuple(identity),
                boundary=boundary,
                boundary_name=boundary_name,
                external_policies=tuple(sorted(external)),
            )
        )
    return found


def flat_permissions(statements: Iterable[Statement]) -> list[dict[str, Any]]:
    """``{resource, effect, actions, condition}`` rows, merged and sorted."""
    merged: dict[tuple[str, str, str], set[str]] = {}
    for statement in statements:
        actions = statement.actions or tuple(f"NOT {a}" for a in statement.not_actions)
        resources = statement.resources or tuple(f"NOT {r}" for r in statement.not_resources)
        for resource in resources:
            key = (resource, statement.effect, statement.condition)
            merged.setdefault(key, set()).update(actions)
    return [
        {"resource": resource, "effect": effect, "actions": sorted(actions), "condition": condition}
        for (resource, effect, condition), actions in sorted(merged.items())
    ]


def _boundary(view: EnvironmentView, role: Resource) -> tuple[tuple[Statement, ...] | None, str]:
    value = role.properties.get("PermissionsBoundary")
    if value is None:
        return None, ""
    policy = view.target(role.stack, value)
    if policy is None or policy.type != "AWS::IAM::ManagedPolicy":
        # A boundary outside the templates: its content is unknown here, so
        # it is not applied (the answer can only be wider than the truth).
        return None, view.render(role.stack, value)
    statements = statements_of(
        view, policy.stack, policy.properties.get("PolicyDocument"), policy.label
    )
    return tuple(statements), view.resource_name(policy)


def _matches(pattern: str, value: str, *, fold: bool = False) -> bool:
    return _compiled(pattern, fold).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _compiled(pattern: str, fold: bool) -> re.Pattern[str]:
    expression = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    flags = (re.IGNORECASE | re.DOTALL) if fold else re.DOTALL
    return re.compile(expression, flags)


def principals(view: EnvironmentView, stack: SynthesizedStack, principal: Any) -> list[str]:
    """A statement's Principal as ``kind: value`` strings (``Service: lambda.amazonaws.com``)."""
    if principal is None:
        return []
    if isinstance(principal, str):
        return [f"AWS: {principal}"]
    found = []
    for kind, value in sorted(principal.items()):
        found += [f"{kind}: {item}" for item in view.render_list(stack, value)]
    return found
