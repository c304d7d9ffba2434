"""ManagedPolicyRole: grants never inline, explained wildcards acknowledged, others still fail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cd4ml_constructs.managed_policy_role import flatten, wildcard_findings

REASON = "Objects under the reports/ prefix of the test bucket, read by the test role."
TRACING = "X-Ray trace uploads support no resource-level permissions at all."


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    import aws_cdk as cdk
    import cdk_nag
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from cd4ml_constructs import ManagedPolicyRole

    outdir = tmp_path_factory.mktemp("managed-policy-role")
    app = cdk.App(
        outdir=str(outdir),
        context={"aws:cdk:enable-path-metadata": True},
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": False},
    )
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks())
    data = cdk.Stack(app, "Data")
    bucket = s3.Bucket(data, "Bucket")
    stack = cdk.Stack(app, "Roles")
    role = ManagedPolicyRole(
        stack,
        "Role",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        description="test role",
    )
    role.grant_objects(bucket, "reports/*", write=False, reason=REASON)
    role.allow(
        "Listing",
        actions=["sagemaker:ListDomains"],
        resources=["*"],
        reason="sagemaker:ListDomains supports no resource-level permissions at all.",
    )
    role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"]))
    function_role = ManagedPolicyRole(
        stack,
        "FunctionRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description="test function role",
        grants_policy="Policy",
        grants_policy_description="Permissions of the test function",
    )
    # As aws-cdk-lib writes it for an active-tracing function, explained apart.
    function_role.add_to_policy(
        iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
    )
    function_role.explain_resource("*", TRACING)
    function_role.allow(sid="ReadParameter", actions=["ssm:GetParameter"], resources=["arn:x"])
    app.synth()
    template = json.loads((outdir / "Roles.template.json").read_text(encoding="utf-8"))
    report = json.loads((outdir / "validation-report.json").read_text(encoding="utf-8"))
    return template, report


def iam5(report: dict[str, Any], key: str) -> set[tuple[str, str]]:
    return {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin.get(key, [])
        if violation["ruleName"].startswith("AwsSolutions-IAM5")
        for construct in violation["violatingConstructs"]
    }


def test_grants_land_in_customer_managed_policies(synthesized: tuple[dict, dict]) -> None:
    template, _ = synthesized
    types = [r["Type"] for r in template["Resources"].values()]
    assert "AWS::IAM::Policy" not in types
    assert types.count("AWS::IAM::ManagedPolicy") == 3
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 2
    assert all("Policies" not in role["Properties"] for role in roles)
    assert all("MaxSessionDuration" not in role["Properties"] for role in roles)


def test_a_role_may_keep_its_grants_in_one_named_policy(synthesized: tuple[dict, dict]) -> None:
    template, _ = synthesized
    policies = {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::ManagedPolicy" and logical_id.startswith("FunctionRole")
    }
    ((logical_id, policy),) = policies.items()
    assert logical_id.startswith("FunctionRolePolicy")
    assert policy["Description"] == "Permissions of the test function"
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": "xray:PutTraceSegments", "Effect": "Allow", "Resource": "*"},
        {
            "Action": "ssm:GetParameter",
            "Effect": "Allow",
            "Resource": "arn:x",
            "Sid": "ReadParameter",
        },
    ]


def test_explained_wildcards_are_acknowledged_with_their_reason(
    synthesized: tuple[dict, dict],
) -> None:
    _, report = synthesized
    suppressed = iam5(report, "suppressedViolations")
    assert (
        "AwsSolutions-IAM5[Action::s3:GetObject*]",
        "Roles/Role/DataAccess/Resource",
    ) in suppressed
    assert ("AwsSolutions-IAM5[Resource::*]", "Roles/Role/Listing/Resource") in suppressed
    assert ("AwsSolutions-IAM5[Resource::*]", "Roles/FunctionRole/Policy/Resource") in suppressed
    objects = [rule for rule, _ in suppressed if rule.endswith("/reports/*]")]
    assert len(objects) == 1 and "Data:ExportsOutput" in objects[0]


def test_an_unexplained_wildcard_stays_a_finding(synthesized: tuple[dict, dict]) -> None:
    _, report = synthesized
    assert iam5(report, "violations") == {
        ("AwsSolutions-IAM5[Resource::*]", "Roles/Role/DataAccess/Resource")
    }


def test_a_wildcard_needs_a_reason_and_actions_need_names() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from cd4ml_constructs import ManagedPolicyRole

    role = ManagedPolicyRole(
        cdk.Stack(cdk.App(), "Bare"),
        "Role",
        assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
        description="test role",
    )
    with pytest.raises(ValueError, match="explain the wildcard"):
        role.allow("Listing", actions=["sagemaker:ListApps"], resources=["*"], reason="lists")
    with pytest.raises(ValueError, match="name actions"):
        role.allow("Admin", actions=["sagemaker:*"], resources=["arn:aws:sagemaker:::x"])
    with pytest.raises(ValueError, match="explain the wildcard"):
        role.explain_resource("*", "tracing")


def test_finding_ids_are_computed_like_cdk_nag() -> None:
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject*"],
                "Resource": [
                    {"Fn::Join": ["", [{"Fn::ImportValue": "data:Arn"}, "/x/*"]]},
                    {"Fn::GetAtt": ["Bucket", "Arn"]},
                ],
            },
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        ]
    }
    assert wildcard_findings(document) == ["Action::s3:GetObject*", "Resource::data:Arn/x/*"]
    assert flatten({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/*"}) == "arn:<AWS::Partition>:s3:::b/*"
    assert flatten({"Ref": "AWS::AccountId"}) == "<AWS::AccountId>"
