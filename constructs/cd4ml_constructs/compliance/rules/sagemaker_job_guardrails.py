"""A role that may create SageMaker jobs carries the job guardrail denies beside that allow.

For every IAM policy of a template (managed, inline on a role, or
``AWS::IAM::Policy``) with an Allow statement whose actions match one of
the guarded SageMaker create actions (exactly or through a wildcard such as
``sagemaker:Create*``), each identity it is attached to must also hold,
in some policy of the same template, for every condition key the action
carries:

- a Deny on ``*`` covering the action whose only condition is
  ``Null: {<key>: "true"}`` (the key must be present), and
- a Deny on ``*`` covering the action whose only condition refuses other
  values: ``ForAnyValue:StringNotEquals`` (subnets, security groups),
  ``StringNotEquals`` or ``ArnNotEquals`` (keys, internet access), or
  ``Bool: {<key>: "false"}`` (encryption, isolation);

or one unconditional Deny on ``*`` covering the action. A Deny with two
conditions is not counted: it refuses only when both hold. A policy
attached to no identity grants nothing and is not judged (a permissions
boundary is one: it caps, it does not grant).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from typing import Any

from cd4ml_constructs.compliance.rules.rule import (
    Finding,
    Rule,
    RuleContext,
    Template,
    resources_of_type,
)
from cd4ml_constructs.sagemaker_guardrails import (
    CONDITION_KEYS,
    DIRECT_INTERNET_ACCESS,
    INTER_CONTAINER_ENCRYPTION,
    NETWORK_ISOLATED_ACTIONS,
    NETWORK_ISOLATION,
    OUTPUT_KEY,
    VOLUME_KEY,
    VPC_SECURITY_GROUPS,
    VPC_SUBNETS,
)

# Operators that refuse values other than the platform's, per condition key.
_REFUSING_OPERATORS: Mapping[str, tuple[str, ...]] = {
    VPC_SUBNETS: ("ForAnyValue:StringNotEquals",),
    VPC_SECURITY_GROUPS: ("ForAnyValue:StringNotEquals",),
    VOLUME_KEY: ("StringNotEquals", "ArnNotEquals"),
    OUTPUT_KEY: ("StringNotEquals", "ArnNotEquals"),
    DIRECT_INTERNET_ACCESS: ("StringNotEquals",),
    INTER_CONTAINER_ENCRYPTION: ("Bool",),
    NETWORK_ISOLATION: ("Bool",),
}
# Keys whose Null test alone guards nothing: the refusing test also denies an absent key.
_REFUSAL_ONLY = (DIRECT_INTERNET_ACCESS,)

Statement = Mapping[str, Any]


def required_keys(action: str) -> tuple[str, ...]:
    """The condition keys a role allowed ``action`` must be denied without."""
    keys = CONDITION_KEYS[action]
    if action not in NETWORK_ISOLATED_ACTIONS:
        keys = tuple(key for key in keys if key != NETWORK_ISOLATION)
    return keys


def _check(template: Template, _context: RuleContext) -> list[Finding]:
    policies = list(_policies(template))
    statements_of: dict[str, list[Statement]] = {}
    for _, _, statements, identities in policies:
        for identity in identities:
            statements_of.setdefault(identity, []).extend(statements)
    findings = []
    for logical_id, location, statements, identities in policies:
        for index, statement in enumerate(statements):
            if statement.get("Effect") != "Allow":
                continue
            for action in _guarded_actions(statement):
                for identity in identities:
                    missing = _missing_denies(action, statements_of[identity])
                    if missing:
                        findings.append(
                            Finding(
                                logical_id,
                                f"{location}/Statement/{index}",
                                f"allows {action} without a guardrail deny on {', '.join(missing)}",
                            )
                        )
                        break
    return findings


def _policies(template: Template) -> Iterator[tuple[str, str, list[Statement], list[str]]]:
    """``(logical id, location, statements, identities)`` of every policy in the template."""
    managed_by_role: dict[str, list[str]] = {}
    identities_with_policies = resources_of_type(
        template, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"
    )
    for logical_id, properties in identities_with_policies:
        for arn in properties.get("ManagedPolicyArns") or []:
            if isinstance(arn, dict) and "Ref" in arn:
                managed_by_role.setdefault(arn["Ref"], []).append(logical_id)
        for index, policy in enumerate(properties.get("Policies") or []):
            yield (
                logical_id,
                f"Properties/Policies/{index}/PolicyDocument",
                _statements(policy.get("PolicyDocument")),
                [logical_id],
            )
    for logical_id, properties in resources_of_type(
        template, "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"
    ):
        identities = [
            _identity(reference)
            for kind in ("Roles", "Users", "Groups")
            for reference in properties.get(kind) or []
        ]
        identities += managed_by_role.get(logical_id, [])
        yield (
            logical_id,
            "Properties/PolicyDocument",
            _statements(properties.get("PolicyDocument")),
            list(dict.fromkeys(identities)),
        )


def _guarded_actions(statement: Statement) -> list[str]:
    if "NotAction" in statement:
        excluded = _as_list(statement["NotAction"])
        return [action for action in CONDITION_KEYS if not _matches(action, excluded)]
    return [
        action for action in CONDITION_KEYS if _matches(action, _as_list(statement.get("Action")))
    ]


def _matches(action: str, patterns: list[Any]) -> bool:
    return any(
        isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for pattern in patterns
    )


def _missing_denies(action: str, statements: list[Statement]) -> list[str]:
    denies = [
        statement
        for statement in statements
        if statement.get("Effect") == "Deny"
        and "*" in _as_list(statement.get("Resource"))
        and _matches(action, _as_list(statement.get("Action")))
    ]
    if any(not deny.get("Condition") for deny in denies):
        return []
    tests = [_single_test(deny.get("Condition")) for deny in denies]
    missing = []
    for key in required_keys(action):
        if key not in _REFUSAL_ONLY and ("Null", key, '"true"') not in tests:
            missing.append(f"{key} (Null)")
        refusing = _REFUSING_OPERATORS[key]
        if not any(
            test is not None
            and test[0] in refusing
            and test[1] == key
            and (test[0] != "Bool" or test[2] == '"false"')
            for test in tests
        ):
            missing.append(f"{key} ({'/'.join(refusing)})")
    return missing


def _single_test(condition: Any) -> tuple[str, str, str] | None:
    """``(operator, key, values as JSON)`` of a condition with one test, else None."""
    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    ((operator, tests),) = condition.items()
    if not isinstance(tests, dict) or len(tests) != 1:
        return None
    ((key, values),) = tests.items()
    return operator, key, json.dumps(values)


def _statements(document: Any) -> list[Statement]:
    if not isinstance(document, dict):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def _identity(reference: Any) -> str:
    if isinstance(reference, dict) and "Ref" in reference:
        return str(reference["Ref"])
    return json.dumps(reference, sort_keys=True)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


RULE: Rule = Rule(
    name="SageMakerJobGuardrails",
    description=(
        "A role allowed to create SageMaker jobs, models, endpoint configurations or notebook "
        "instances is denied them outside the platform's subnets, security groups and keys, "
        "without inter-container encryption, or without network isolation where it applies."
    ),
    reason=(
        "A SageMaker job without the platform's VPC configuration can reach the internet and "
        "move data out, and one without the platform's keys writes unencrypted volumes and "
        "outputs. Attach sagemaker_job_guardrail_statements (cd4ml_constructs."
        "sagemaker_guardrails) to every role that may start one."
    ),
    check=_check,
)
