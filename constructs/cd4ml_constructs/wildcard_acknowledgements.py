"""Acknowledging, at synth, exactly the wildcards a ManagedPolicyRole's policies explain.

:class:`~cd4ml_constructs.managed_policy_role.ManagedPolicyRole` records an
explanation for each wildcard where it is written; here, once references
between stacks are resolved, each policy's findings (as cdk-nag's IAM5 names
them) that an explanation covers are acknowledged on that policy with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam

from cd4ml_constructs.compliance.acknowledgements import acknowledge_each
from constructs import IValidation

if TYPE_CHECKING:
    from cd4ml_constructs.managed_policy_role import ManagedPolicyRole

# The attribute of a stack that holds its AcknowledgeExplainedWildcards.
_ACKNOWLEDGER = "_cd4ml_acknowledge_explained_wildcards"


@jsii.implements(IValidation)
class AcknowledgeExplainedWildcards:
    """Acknowledge, on each policy of a stack's roles, the wildcards that were explained.

    One per stack, a validation of the stack: it runs after references between
    stacks are resolved and before the packs, so each id is the one cdk-nag
    reports (``Resource::<flattened ARN>``). One per stack rather than per role,
    since each call crosses into the jsii runtime: one resolve for the whole
    stack, one acknowledgement call per policy.
    """

    def __init__(self) -> None:
        self.roles: list[ManagedPolicyRole] = []

    @classmethod
    def of(cls, stack: cdk.Stack) -> AcknowledgeExplainedWildcards:
        """The stack's instance, made and registered as the stack's validation once."""
        found: AcknowledgeExplainedWildcards | None = getattr(stack, _ACKNOWLEDGER, None)
        if found is None:
            found = cls()
            setattr(stack, _ACKNOWLEDGER, found)
            stack.node.add_validation(found)
        return found

    def validate(self) -> list[str]:
        if not self.roles:
            return []
        stack = cdk.Stack.of(self.roles[0])
        roles = [(role.explained_wildcards(), list(role.policies.items())) for role in self.roles]
        # A policy's document is its CloudFormation resource's PolicyDocument.
        resolved = stack.resolve(
            [
                {
                    "items": [item for _, kind, item, _ in explained if kind != "Action"],
                    "documents": [policy.document for _, policy in policies],
                }
                for explained, policies in roles
            ]
        )
        for (explained, policies), values in zip(roles, resolved, strict=True):
            _acknowledge_role(explained, policies, values["items"], values["documents"])
        return []


def _acknowledge_role(
    explained: list[tuple[str, str, str, str]],
    policies: list[tuple[str, iam.ManagedPolicy]],
    items: list[Any],
    documents: list[Any],
) -> None:
    """Acknowledge on each of one role's policies the findings its explanations cover."""
    flat_items = iter(items)
    reasons: dict[tuple[str, str], list[str]] = {}
    for purpose, kind, item, reason in explained:
        key = f"{kind}::{item if kind == 'Action' else flatten(next(flat_items))}"
        if reason not in reasons.setdefault((purpose, key), []):
            reasons[(purpose, key)].append(reason)
    for (purpose, policy), document in zip(policies, documents, strict=True):
        acknowledgments = [
            (f"AwsSolutions::AwsSolutions-IAM5[{finding}]", " ".join(explanation))
            for finding in wildcard_findings(document)
            if (explanation := reasons.get((purpose, finding)))
        ]
        if acknowledgments:
            resource = policy.node.default_child
            assert isinstance(resource, iam.CfnManagedPolicy)
            acknowledge_each(resource, acknowledgments)


def wildcard_findings(document: Mapping[str, Any]) -> list[str]:
    """The ``Action::``/``Resource::`` items cdk-nag's IAM5 reports for an Allow statement."""
    found: list[str] = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        for action in _as_list(statement.get("Action")):
            if "*" in action and f"Action::{action}" not in found:
                found.append(f"Action::{action}")
        for resource in _as_list(statement.get("Resource")):
            flat = flatten(resource)
            if "*" in flat and f"Resource::{flat}" not in found:
                found.append(f"Resource::{flat}")
    return found


def flatten(reference: Any) -> str:
    """A CloudFormation value as one string, the way cdk-nag names it in a finding id."""
    if reference is None:
        return ""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            delimiter, items = reference["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in reference:
            return flatten(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in reference:
            return flatten(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{flatten(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
