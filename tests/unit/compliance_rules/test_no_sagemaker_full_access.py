"""CD4ML::NoSageMakerFullAccess, both ways, on a synthesized bare stack."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RuleContext
from cd4ml_constructs.compliance.rules.no_sagemaker_full_access import RULE


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_iam as iam

    stack = cdk.Stack(cdk.App(), "Bare")
    sagemaker = iam.ServicePrincipal("sagemaker.amazonaws.com")
    narrow = iam.Role(stack, "Narrow", assumed_by=sagemaker)
    narrow.add_managed_policy(
        iam.ManagedPolicy(
            stack,
            "NarrowPolicy",
            statements=[iam.PolicyStatement(actions=["sagemaker:DescribeDomain"], resources=["*"])],
        )
    )
    read_only = iam.Role(stack, "ReadOnly", assumed_by=sagemaker)
    read_only.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSageMakerReadOnly")
    )
    full = iam.Role(stack, "Full", assumed_by=sagemaker)
    full.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSageMakerFullAccess")
    )
    group = iam.Group(stack, "Group")
    group.add_managed_policy(
        iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSageMakerFullAccess")
    )
    return dict(assertions.Template.from_stack(stack).to_json())


def offenders(template: dict[str, Any]) -> set[str]:
    return {f.logical_id[: -len("XXXXXXXX")] for f in RULE.check(template, RuleContext())}


def test_roles_without_the_full_access_policy_are_compliant(template: dict[str, Any]) -> None:
    assert "Narrow" not in offenders(template)
    assert "ReadOnly" not in offenders(template)


def test_full_access_on_a_role_or_group_is_reported(template: dict[str, Any]) -> None:
    assert offenders(template) == {"Full", "Group"}
    locations = {f.location for f in RULE.check(template, RuleContext())}
    assert locations == {"Properties/ManagedPolicyArns/0"}
