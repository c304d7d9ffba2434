"""CD4ML::SageMakerDomainVpcOnlyEncrypted, both ways, on a synthesized bare stack."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RuleContext
from cd4ml_constructs.compliance.rules.domain_vpc_only_encrypted import RULE


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sagemaker as sagemaker

    stack = cdk.Stack(cdk.App(), "Bare")
    key = kms.Key(stack, "Key")
    settings = sagemaker.CfnDomain.UserSettingsProperty(
        execution_role="arn:aws:iam::111122223333:role/studio"
    )
    common: dict[str, Any] = {
        "auth_mode": "IAM",
        "default_user_settings": settings,
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-0123456789abcdef0"],
    }
    sagemaker.CfnDomain(
        stack,
        "Compliant",
        domain_name="compliant",
        app_network_access_type="VpcOnly",
        kms_key_id=key.key_arn,
        **common,
    )
    sagemaker.CfnDomain(stack, "PublicInternet", domain_name="public", **common)
    sagemaker.CfnDomain(
        stack,
        "AwsManagedKey",
        domain_name="aws-key",
        app_network_access_type="VpcOnly",
        kms_key_id="alias/aws/sagemaker",
        **common,
    )
    return dict(assertions.Template.from_stack(stack).to_json())


def findings(template: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f.logical_id, f.location) for f in RULE.check(template, RuleContext())}


def test_vpc_only_domain_with_a_customer_managed_key_is_compliant(
    template: dict[str, Any],
) -> None:
    assert not any(logical_id == "Compliant" for logical_id, _ in findings(template))


def test_domain_with_public_internet_and_no_key_is_reported_twice(
    template: dict[str, Any],
) -> None:
    assert {loc for logical_id, loc in findings(template) if logical_id == "PublicInternet"} == {
        "Properties/AppNetworkAccessType",
        "Properties/KmsKeyId",
    }


def test_aws_managed_key_is_not_enough(template: dict[str, Any]) -> None:
    assert ("AwsManagedKey", "Properties/KmsKeyId") in findings(template)
    assert ("AwsManagedKey", "Properties/AppNetworkAccessType") not in findings(template)


def test_rule_explains_itself() -> None:
    assert RULE.name == "SageMakerDomainVpcOnlyEncrypted"
    assert "\n" not in RULE.description and len(RULE.reason) > 40
