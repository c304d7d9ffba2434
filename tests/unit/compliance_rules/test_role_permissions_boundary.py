"""CD4ML::RolePermissionsBoundary, both ways, on a synthesized bare stack."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RuleContext
from cd4ml_constructs.compliance.rules.role_permissions_boundary import RULE


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_iam as iam

    stack = cdk.Stack(cdk.App(), "Bare")
    boundary = iam.ManagedPolicy(
        stack,
        "Boundary",
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])],
    )
    lambda_principal = iam.ServicePrincipal("lambda.amazonaws.com")
    iam.Role(stack, "Bounded", assumed_by=lambda_principal, permissions_boundary=boundary)
    iam.Role(stack, "Unbounded", assumed_by=lambda_principal)
    iam.User(stack, "Person")
    return dict(assertions.Template.from_stack(stack).to_json())


def offenders(template: dict[str, Any]) -> set[str]:
    return {f.logical_id[: -len("XXXXXXXX")] for f in RULE.check(template, RuleContext())}


def test_role_with_a_boundary_is_compliant(template: dict[str, Any]) -> None:
    assert "Bounded" not in offenders(template)


def test_role_and_user_without_a_boundary_are_reported(template: dict[str, Any]) -> None:
    assert offenders(template) == {"Unbounded", "Person"}
