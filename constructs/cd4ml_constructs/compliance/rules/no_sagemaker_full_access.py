"""No IAM role, user or group carries the AWS-managed AmazonSageMakerFullAccess policy."""

from __future__ import annotations

import json

from cd4ml_constructs.compliance.rules.rule import (
    Finding,
    Rule,
    RuleContext,
    Template,
    resources_of_type,
)

_POLICY = "policy/AmazonSageMakerFullAccess"


def _check(template: Template, _context: RuleContext) -> list[Finding]:
    findings = []
    identities = resources_of_type(template, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
    for logical_id, properties in identities:
        for index, arn in enumerate(properties.get("ManagedPolicyArns") or []):
            if _POLICY in json.dumps(arn):
                findings.append(
                    Finding(
                        logical_id,
                        f"Properties/ManagedPolicyArns/{index}",
                        "AmazonSageMakerFullAccess is attached",
                    )
                )
    return findings


RULE = Rule(
    name="NoSageMakerFullAccess",
    description="No IAM role, user or group has AmazonSageMakerFullAccess attached.",
    reason=(
        "AmazonSageMakerFullAccess lets its holder approve any model package, change any "
        "registry policy and reach every SageMaker resource of the account, which breaks the "
        "separation of duties between those who build models and those who approve them."
    ),
    check=_check,
)
