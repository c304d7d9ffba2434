"""What a rule of the platform's own validation pack is, and what it reads in a template."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Template = Mapping[str, Any]


@dataclass(frozen=True)
class Finding:
    """One resource that breaks a rule, and where in it (``Properties/KmsKeyId``)."""

    logical_id: str
    location: str
    detail: str = ""


@dataclass(frozen=True)
class RuleContext:
    """What rules know beyond the template, fixed when the pack is built.

    :param allowed_accounts: account ids a resource policy may name besides the
        stack's own account (``AWS::AccountId``).
    """

    allowed_accounts: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rule:
    """A named check over one synthesized template.

    :param name: the rule id inside the pack (``CD4ML::<name>``).
    :param description: one line: what a compliant resource looks like.
    :param reason: why the platform requires it (shown to whoever must fix it).
    :param check: returns every non-compliant resource of the template.
    """

    name: str
    description: str
    reason: str
    check: Callable[[Template, RuleContext], list[Finding]]


def resources_of_type(template: Template, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(logical id, properties)`` of every resource of one of ``types``."""
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") in types:
            yield logical_id, resource.get("Properties") or {}


def is_customer_managed_key(value: object) -> bool:
    """True for a KMS key reference that is not an AWS-managed key (``alias/aws/...``).

    References resolved at deploy time (``Ref``, ``Fn::GetAtt``,
    ``Fn::ImportValue``) point at keys the platform created, which are
    customer managed; literal key ids and ARNs are accepted unless they name
    an AWS-managed alias.
    """
    if value is None or value == "":
        return False
    return "alias/aws/" not in json.dumps(value)
