"""CD4ML::ModelPackageGroupPolicyAccounts, both ways, on a synthesized bare stack."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RuleContext
from cd4ml_constructs.compliance.rules.model_package_group_accounts import RULE

TRUSTED = "444455556666"
FOREIGN = "999988887777"


def group_policy(principal: object, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": effect,
                "Principal": principal,
                "Action": ["sagemaker:DescribeModelPackage"],
                "Resource": "*",
            }
        ],
    }


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_sagemaker as sagemaker

    stack = cdk.Stack(cdk.App(), "Bare")
    own_account = stack.resolve(iam.AccountRootPrincipal().arn)
    cases = {
        "OwnAccount": group_policy({"AWS": own_account}),
        "Trusted": group_policy({"AWS": [f"arn:aws:iam::{TRUSTED}:root", TRUSTED]}),
        "DenyNamesAnyone": group_policy({"AWS": "*"}, effect="Deny"),
        "Foreign": group_policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"}),
        "Anyone": group_policy("*"),
        "AnyAwsPrincipal": group_policy({"AWS": "*"}),
        "Service": group_policy({"Service": "lambda.amazonaws.com"}),
    }
    for logical_id, policy in cases.items():
        group = sagemaker.CfnModelPackageGroup(
            stack,
            logical_id,
            model_package_group_name=f"cd4ml-test-{logical_id.lower()}",
            model_package_group_policy=policy,
        )
        group.override_logical_id(logical_id)
    sagemaker.CfnModelPackageGroup(stack, "NoPolicy", model_package_group_name="cd4ml-test-none")
    return dict(assertions.Template.from_stack(stack).to_json())


def offenders(template: dict[str, Any], *allowed: str) -> set[str]:
    context = RuleContext(allowed_accounts=frozenset(allowed))
    return {f.logical_id for f in RULE.check(template, context)}


def test_own_account_configured_accounts_and_denies_are_compliant(
    template: dict[str, Any],
) -> None:
    reported = offenders(template, TRUSTED)
    assert not reported & {"OwnAccount", "Trusted", "DenyNamesAnyone"}
    assert not any(logical_id.startswith("NoPolicy") for logical_id in reported)


def test_foreign_accounts_wildcards_and_services_are_reported(template: dict[str, Any]) -> None:
    assert offenders(template, TRUSTED) == {"Foreign", "Anyone", "AnyAwsPrincipal", "Service"}


def test_an_account_missing_from_config_is_reported(template: dict[str, Any]) -> None:
    # Env-agnostic environments trust no literal account: only AWS::AccountId.
    assert "Trusted" in offenders(template)
    assert "OwnAccount" not in offenders(template)
