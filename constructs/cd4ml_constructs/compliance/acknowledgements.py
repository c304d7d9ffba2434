"""Acknowledge a validation finding on one construct, with the reason an auditor reads."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk

from constructs import IConstruct

# Prefixes of the packs registered by ``add_compliance_packs``. An id without
# one of them would silently match nothing, so it is refused here.
PACK_PREFIXES: tuple[str, ...] = (
    "AwsSolutions::",
    "HIPAA.Security::",
    "NIST.800.53.R5::",
    "PCI.DSS.321::",
    "Serverless::",
    "CD4ML::",
)


def acknowledge(construct: IConstruct, reason: str, *rule_ids: str) -> None:
    """Acknowledge ``rule_ids`` (pack-prefixed) on ``construct`` and nothing wider.

    Raises ``ValueError`` for a rule id without a known pack prefix, an empty
    reason, or a Stack or Stage as the target: acknowledgements sit on the
    narrowest construct that carries the finding.
    """
    if isinstance(construct, (cdk.Stack, cdk.Stage)):
        raise ValueError(f"acknowledge on the resource, not on {construct.node.path or 'the app'}")
    if len(reason.strip()) < 20:
        raise ValueError(f"acknowledgement of {rule_ids} needs a reason an auditor can accept")
    for rule_id in rule_ids:
        if not rule_id.startswith(PACK_PREFIXES):
            raise ValueError(f"{rule_id!r} has no pack prefix; use one of {PACK_PREFIXES}")
    acknowledge_each(construct, [(rule_id, reason) for rule_id in rule_ids])


def acknowledge_each(construct: IConstruct, rules: Sequence[tuple[str, str]]) -> None:
    """Acknowledge each ``(rule id, reason)`` on ``construct``, in one call; checked as above."""
    if isinstance(construct, (cdk.Stack, cdk.Stage)):
        raise ValueError(f"acknowledge on the resource, not on {construct.node.path or 'the app'}")
    for rule_id, reason in rules:
        if len(reason.strip()) < 20:
            raise ValueError(f"acknowledgement of {rule_id} needs a reason an auditor can accept")
        if not rule_id.startswith(PACK_PREFIXES):
            raise ValueError(f"{rule_id!r} has no pack prefix; use one of {PACK_PREFIXES}")
    cdk.Validations.of(construct).acknowledge(
        *(cdk.Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in rules)
    )
