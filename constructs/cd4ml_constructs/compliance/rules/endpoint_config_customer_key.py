"""Endpoint configs encrypt their storage and their data capture with a customer-managed key."""

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
    for logical_id, properties in resources_of_type(template, "AWS::SageMaker::EndpointConfig"):
        if not is_customer_managed_key(properties.get("KmsKeyId")):
            findings.append(
                Finding(
                    logical_id, "Properties/KmsKeyId", "storage volume not encrypted with a CMK"
                )
            )
        capture = properties.get("DataCaptureConfig")
        if capture is not None and not is_customer_managed_key(capture.get("KmsKeyId")):
            findings.append(
                Finding(
                    logical_id,
                    "Properties/DataCaptureConfig/KmsKeyId",
                    "captured requests and responses not encrypted with a CMK",
                )
            )
    return findings


RULE = Rule(
    name="EndpointConfigCustomerKey",
    description=(
        "An endpoint config sets a customer-managed KmsKeyId, and DataCaptureConfig.KmsKeyId "
        "when it captures data."
    ),
    reason=(
        "Endpoint volumes and captured inference data hold the same personal and business "
        "data as the lake; they must be encrypted with a key the platform controls, audits "
        "and can revoke."
    ),
    check=_check,
)
