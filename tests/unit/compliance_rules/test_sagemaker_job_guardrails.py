"""CD4ML::SageMakerJobGuardrails, both ways, on a synthesized bare stack and on the shipped synths."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RULES, RuleContext
from cd4ml_constructs.compliance.rules.sagemaker_job_guardrails import RULE, required_keys
from tests.conftest import SynthesizedEnvironment

JOBS = ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms

    from cd4ml_constructs.sagemaker_guardrails import (
        sagemaker_job_denial_statement,
        sagemaker_job_guardrail_statements,
    )

    stack = cdk.Stack(cdk.App(), "Bare")
    key = kms.Key(stack, "JobKey")
    guardrails = sagemaker_job_guardrail_statements(
        subnet_ids=["subnet-0a", "subnet-0b"], security_group_ids=["sg-0a"], kms_keys=[key]
    )
    sagemaker = iam.ServicePrincipal("sagemaker.amazonaws.com")

    def role(name: str, allow: list[str], denies: list[iam.PolicyStatement]) -> None:
        role = iam.Role(stack, name, assumed_by=sagemaker)
        iam.ManagedPolicy(
            stack,
            f"{name}Jobs",
            roles=[role],
            statements=[iam.PolicyStatement(actions=allow, resources=["*"])],
        )
        if denies:
            iam.ManagedPolicy(stack, f"{name}Guardrails", roles=[role], statements=denies)

    role("Guarded", JOBS, guardrails)
    role("Denied", ["sagemaker:Create*"], [sagemaker_job_denial_statement()])
    role("DescribeOnly", ["sagemaker:DescribeTrainingJob"], [])
    role("Unguarded", JOBS, [])
    role("WildcardUnguarded", ["sagemaker:*"], [])
    role(
        "MissingSubnetValues",
        JOBS,
        [statement for statement in guardrails if statement.sid != "NoJobsInOtherSubnets"],
    )
    # One deny with two tests refuses only when both hold: it guards neither key.
    role(
        "CombinedConditions",
        ["sagemaker:CreateModel"],
        [
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateModel"],
                resources=["*"],
                conditions={
                    "Null": {
                        "sagemaker:VpcSubnets": "true",
                        "sagemaker:VpcSecurityGroupIds": "true",
                    }
                },
            )
        ],
    )
    iam.Role(
        stack,
        "InlineUnguarded",
        assumed_by=sagemaker,
        inline_policies={
            "Jobs": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(actions=["sagemaker:CreateTransformJob"], resources=["*"])
                ]
            )
        },
    )
    builder = iam.User(stack, "UserUnguarded")
    builder.add_to_policy(iam.PolicyStatement(actions=["sagemaker:CreateModel"], resources=["*"]))
    guarded = iam.User(stack, "UserGuarded")
    guarded.add_to_policy(iam.PolicyStatement(actions=["sagemaker:CreateModel"], resources=["*"]))
    for statement in guardrails:
        guarded.add_to_policy(statement)
    # A policy attached to nobody grants nothing (a permissions boundary is one).
    iam.ManagedPolicy(
        stack,
        "Boundary",
        statements=[iam.PolicyStatement(actions=["sagemaker:*"], resources=["*"])],
    )
    return dict(assertions.Template.from_stack(stack).to_json())


def findings(template: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in RULE.check(template, RuleContext()):
        found.setdefault(finding.logical_id[: -len("XXXXXXXX")], []).append(finding.detail)
    return found


def test_the_rule_is_in_the_pack() -> None:
    assert RULE in RULES


def test_guarded_denied_and_unattached_policies_are_compliant(template: dict[str, Any]) -> None:
    found = findings(template)
    for compliant in ("GuardedJobs", "DeniedJobs", "DescribeOnlyJobs", "Boundary"):
        assert compliant not in found


def test_a_job_allow_without_the_denies_is_reported(template: dict[str, Any]) -> None:
    found = findings(template)
    assert sorted(found["UnguardedJobs"]) == [
        "allows sagemaker:CreateProcessingJob without a guardrail deny on "
        "sagemaker:VpcSubnets (Null), sagemaker:VpcSubnets (ForAnyValue:StringNotEquals), "
        "sagemaker:VpcSecurityGroupIds (Null), "
        "sagemaker:VpcSecurityGroupIds (ForAnyValue:StringNotEquals), "
        "sagemaker:VolumeKmsKey (Null), sagemaker:VolumeKmsKey (StringNotEquals/ArnNotEquals), "
        "sagemaker:OutputKmsKey (Null), sagemaker:OutputKmsKey (StringNotEquals/ArnNotEquals), "
        "sagemaker:InterContainerTrafficEncryption (Null), "
        "sagemaker:InterContainerTrafficEncryption (Bool)",
        "allows sagemaker:CreateTrainingJob without a guardrail deny on "
        "sagemaker:VpcSubnets (Null), sagemaker:VpcSubnets (ForAnyValue:StringNotEquals), "
        "sagemaker:VpcSecurityGroupIds (Null), "
        "sagemaker:VpcSecurityGroupIds (ForAnyValue:StringNotEquals), "
        "sagemaker:VolumeKmsKey (Null), sagemaker:VolumeKmsKey (StringNotEquals/ArnNotEquals), "
        "sagemaker:OutputKmsKey (Null), sagemaker:OutputKmsKey (StringNotEquals/ArnNotEquals), "
        "sagemaker:InterContainerTrafficEncryption (Null), "
        "sagemaker:InterContainerTrafficEncryption (Bool), "
        "sagemaker:NetworkIsolation (Null), sagemaker:NetworkIsolation (Bool)",
    ]
    locations = {f.location for f in RULE.check(template, RuleContext())}
    assert "Properties/PolicyDocument/Statement/0" in locations


def test_a_wildcard_allow_is_judged_on_every_guarded_action(template: dict[str, Any]) -> None:
    reported = {detail.split()[1] for detail in findings(template)["WildcardUnguardedJobs"]}
    assert reported == {
        "sagemaker:CreateAutoMLJob",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateModel",
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreateProcessingJob",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateTransformJob",
    }


def test_one_missing_deny_is_named(template: dict[str, Any]) -> None:
    assert sorted(findings(template)["MissingSubnetValuesJobs"]) == [
        f"allows {action} without a guardrail deny on sagemaker:VpcSubnets "
        "(ForAnyValue:StringNotEquals)"
        for action in sorted(JOBS)
    ]


def test_a_deny_with_two_tests_guards_neither_key(template: dict[str, Any]) -> None:
    (detail,) = findings(template)["CombinedConditionsJobs"]
    assert "sagemaker:VpcSubnets (Null)" in detail
    assert "sagemaker:VpcSecurityGroupIds (Null)" in detail


def test_an_inline_policy_is_reported_on_its_role(template: dict[str, Any]) -> None:
    (detail,) = findings(template)["InlineUnguarded"]
    assert detail.startswith("allows sagemaker:CreateTransformJob without a guardrail deny on ")
    locations = {
        f.location
        for f in RULE.check(template, RuleContext())
        if f.logical_id.startswith("InlineUnguarded")
    }
    assert locations == {"Properties/Policies/0/PolicyDocument/Statement/0"}


def test_a_user_policy_is_judged_with_the_user_s_other_policies(
    template: dict[str, Any],
) -> None:
    found = findings(template)
    assert "UserGuardedDefaultPolicy" not in found
    (detail,) = found["UserUnguardedDefaultPolicy"]
    assert detail.startswith("allows sagemaker:CreateModel without a guardrail deny on ")
    assert "sagemaker:NetworkIsolation (Bool)" in detail


def test_isolation_is_required_only_where_the_job_kind_allows_it() -> None:
    assert "sagemaker:NetworkIsolation" in required_keys("sagemaker:CreateTrainingJob")
    assert "sagemaker:NetworkIsolation" in required_keys("sagemaker:CreateModel")
    assert "sagemaker:NetworkIsolation" not in required_keys("sagemaker:CreateProcessingJob")
    assert required_keys("sagemaker:CreateEndpointConfig") == ("sagemaker:VolumeKmsKey",)


def test_the_shipped_environments_are_clean(environment: SynthesizedEnvironment) -> None:
    for stack in environment.assembly.stacks:
        assert RULE.check(stack.template, RuleContext()) == [], stack.display_name
    acknowledged = [
        rule for _, rule, _ in environment.assembly.acknowledgements() if "SageMakerJob" in rule
    ]
    assert acknowledged == []
    open_findings = environment.assembly.findings(suppressed=False)
    assert [f for f in open_findings if f[1] == "SageMakerJobGuardrails"] == []
