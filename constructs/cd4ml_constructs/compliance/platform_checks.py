"""The platform's own validation pack (``CD4ML``): rules cdk-nag does not have.

Registered beside the cdk-nag packs, it reads every synthesized template and
reports each non-compliant resource by construct path, so an acknowledgement
(``CD4ML::<RuleName>``) on that construct or one of its parents suppresses
the finding exactly as it does for cdk-nag.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

from cd4ml_constructs.compliance.rules import RULES, Finding, Rule, RuleContext

PACK_NAME = "CD4ML"
PACK_VERSION = "1.0.0"


@jsii.implements(cdk.IPolicyValidationPlugin)
class PlatformChecks:
    """Run every rule of :data:`RULES` on every template of the app.

    :param allowed_accounts: accounts a model package group policy may name
        besides the stack's own (``AWS::AccountId``); from config.
    """

    def __init__(self, *, allowed_accounts: Iterable[str] = ()) -> None:
        self._context = RuleContext(allowed_accounts=frozenset(allowed_accounts))

    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def version(self) -> str:
        return PACK_VERSION

    @property
    def rule_ids(self) -> list[str]:
        return [rule.name for rule in RULES]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        violations = [
            violation
            for rule in RULES
            if (violation := self._violation(rule, context.template_paths)) is not None
        ]
        return cdk.PolicyValidationPluginReport(
            success=not violations, violations=violations, plugin_version=PACK_VERSION
        )

    def _violation(self, rule: Rule, template_paths: list[str]) -> cdk.PolicyViolation | None:
        resources = []
        for template_path in template_paths:
            template = json.loads(Path(template_path).read_text(encoding="utf-8"))
            for finding in rule.check(template, self._context):
                resources.append(_violating_resource(template, template_path, finding))
        if not resources:
            return None
        return cdk.PolicyViolation(
            rule_name=rule.name,
            description=rule.description,
            fix=rule.reason,
            severity="error",
            violating_resources=resources,
        )


def _violating_resource(
    template: dict[str, Any], template_path: str, finding: Finding
) -> cdk.PolicyViolatingResource:
    location = finding.location + (f" ({finding.detail})" if finding.detail else "")
    resource = template["Resources"][finding.logical_id]
    construct_path = (resource.get("Metadata") or {}).get("aws:cdk:path")
    if construct_path:
        return cdk.PolicyViolatingResource(
            construct_path=construct_path, template_path=template_path, locations=[location]
        )
    # Without path metadata CDK finds the construct from the logical id.
    return cdk.PolicyViolatingResource(
        resource_logical_id=finding.logical_id, template_path=template_path, locations=[location]
    )
