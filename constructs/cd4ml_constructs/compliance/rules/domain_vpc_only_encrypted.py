"""SageMaker domains run VpcOnly and encrypt their volumes with a customer-managed key."""

from __future__ import annotations

from cd4ml_constructs.compliance.rules.rule import (
    Finding,
    Rule,
    RuleContext,
    Template,
    is_customer_managed_key,
    resources_of_type,
)


def _check(template: Template, _context: RuleContext) -> list[Finding]:
    findings = []
    for logical_id, properties in resources_of_type(template, "AWS::SageMaker::Domain"):
        if properties.get("AppNetworkAccessType") != "VpcOnly":
            findings.append(
                Finding(
                    logical_id,
                    "Properties/AppNetworkAccessType",
                    "not VpcOnly: Studio traffic would leave through the SageMaker-managed VPC",
                )
            )
        if not is_customer_managed_key(properties.get("KmsKeyId")):
            findings.append(
                Finding(
                    logical_id,
                    "Properties/KmsKeyId",
                    "no customer-managed key: home and space volumes use an AWS-managed key",
                )
            )
    return findings


RULE = Rule(
    name="SageMakerDomainVpcOnlyEncrypted",
    description=(
        "A SageMaker domain sets AppNetworkAccessType VpcOnly and a customer-managed KmsKeyId."
    ),
    reason=(
        "An auditor must be able to see that Studio reaches nothing outside the platform's "
        "VPC and that home and space volumes are encrypted with a key the platform controls "
        "and can revoke."
    ),
    check=_check,
)
