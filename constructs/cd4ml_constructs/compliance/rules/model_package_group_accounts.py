"""Model package group policies grant access only to accounts named in config."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from cd4ml_constructs.compliance.rules.rule import (
    Finding,
    Rule,
    RuleContext,
    Template,
    resources_of_type,
)

_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_OWN_ACCOUNT = '{"Ref": "AWS::AccountId"}'


def _check(template: Template, context: RuleContext) -> list[Finding]:
    findings = []
    for logical_id, properties in resources_of_type(template, "AWS::SageMaker::ModelPackageGroup"):
        policy = properties.get("ModelPackageGroupPolicy")
        if not policy:
            continue
        if isinstance(policy, str):
            try:
                policy = json.loads(policy)
            except ValueError:
                findings.append(
                    Finding(logical_id, "Properties/ModelPackageGroupPolicy", "unreadable policy")
                )
                continue
        for index, statement in enumerate(_statements(policy)):
            if statement.get("Effect") != "Allow":
                continue  # naming someone in a Deny grants nothing
            where = f"Properties/ModelPackageGroupPolicy/Statement/{index}"
            problem = _principal_problem(statement, context.allowed_accounts)
            if problem:
                findings.append(Finding(logical_id, where, problem))
    return findings


def _statements(policy: Any) -> list[dict[str, Any]]:
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    return [statements] if isinstance(statements, dict) else list(statements)


def _principal_problem(statement: dict[str, Any], allowed: frozenset[str]) -> str:
    if "NotPrincipal" in statement:
        return "NotPrincipal grants every principal but the ones named"
    principal = statement.get("Principal")
    if principal is None:
        return "no Principal"
    if not isinstance(principal, dict):
        return f"principal {json.dumps(principal)} is not an AWS account"
    others = sorted(set(principal) - {"AWS"})
    if others:
        return f"principal types {', '.join(others)}: only AWS account principals are allowed"
    for value in _values(principal.get("AWS")):
        text = json.dumps(value)
        accounts = set(_ACCOUNT.findall(text))
        if value == "*" or (not accounts and _OWN_ACCOUNT not in text):
            return f"principal {text} names no account the platform can check"
        unknown = sorted(accounts - allowed)
        if unknown:
            return f"accounts {', '.join(unknown)} are not in the environment's config"
    return ""


def _values(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        yield from value
    else:
        yield value


RULE = Rule(
    name="ModelPackageGroupPolicyAccounts",
    description=(
        "A model package group policy allows only the stack's own account and accounts "
        "named in the environment's config."
    ),
    reason=(
        "Whoever a model package group policy names can read, and with the right actions "
        "register or approve, the group's models; a wildcard or a foreign account would move "
        "that decision outside the platform."
    ),
    check=_check,
)
