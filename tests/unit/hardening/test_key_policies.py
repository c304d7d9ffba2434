"""Key policies: no kms:* to anyone, use only through services, a named and alarmed break glass."""

from __future__ import annotations

import json
from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import as_list
from tools.cloud_assembly import SynthesizedStack
from tools.event_patterns import matches, rules_of, substitute

USE_PREFIXES = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt")
# The lockout check of CreateKey/PutKeyPolicy: the deploying principal of this
# account must keep these through the policy.
LOCKOUT_ACTIONS = {"kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"}
VIA = {
    "backup",
    "codebuild",
    "codepipeline",
    "dynamodb",
    "ec2",
    "elasticfilesystem",
    "glue",
    "lambda",
    "logs",
    "s3",
    "sagemaker",
    "scheduler",
    "sns",
    "sqs",
    "ssm",
}


def platform_keys(environment: SynthesizedEnvironment) -> list[tuple[SynthesizedStack, str, Any]]:
    found = [
        (stack, logical_id, resource)
        for stack in (*environment.assembly.stacks, *environment.assembly.products)
        for logical_id, resource in stack.resources_of_type("AWS::KMS::Key").items()
    ]
    assert len(found) == 6, [f[1] for f in found]  # four in Keys, two in LoopState
    return found


def root(environment: SynthesizedEnvironment) -> str:
    """The account root as the templates name it (resolved when the account is fixed)."""
    if environment.config.account:
        return f"arn:aws:iam::{environment.config.account}:root"
    return "arn:<AWS::Partition>:iam::<AWS::AccountId>:root"


def statements(resource: Any) -> list[dict[str, Any]]:
    return list(resource["Properties"]["KeyPolicy"]["Statement"])


def principals(statement: dict[str, Any]) -> list[str]:
    return [flatten(p) for p in as_list(statement["Principal"].get("AWS", []))]


def test_no_key_policy_leaves_kms_star_to_anyone(environment: SynthesizedEnvironment) -> None:
    for stack, logical_id, resource in platform_keys(environment):
        for statement in statements(resource):
            actions = as_list(statement["Action"])
            assert "kms:*" not in actions, (stack.display_name, logical_id, statement)
            assert statement["Effect"] == "Allow"


def test_the_account_manages_each_key_and_keeps_the_lockout_actions(
    environment: SynthesizedEnvironment,
) -> None:
    for _, logical_id, resource in platform_keys(environment):
        sids = {s.get("Sid"): s for s in statements(resource)}
        management = sids["AccountKeyManagement"]
        assert principals(management) == [root(environment)]
        actions = set(as_list(management["Action"]))
        assert actions >= LOCKOUT_ACTIONS, logical_id
        assert not [a for a in actions if a.startswith(USE_PREFIXES) or a == "kms:CreateGrant"]
        assert "Condition" not in management


def test_the_account_uses_keys_only_through_aws_services(
    environment: SynthesizedEnvironment,
) -> None:
    account = environment.config.account or "<AWS::AccountId>"
    region = environment.config.region or "<AWS::Region>"
    for _, logical_id, resource in platform_keys(environment):
        for statement in statements(resource):
            actions = as_list(statement["Action"])
            uses = [a for a in actions if a.startswith(USE_PREFIXES) or a == "kms:CreateGrant"]
            if root(environment) not in principals(statement) or not uses:
                continue
            condition = statement["Condition"]["StringEquals"]
            assert flatten(condition["kms:CallerAccount"]) == account, logical_id
            services = {flatten(v).split(".")[0] for v in as_list(condition["kms:ViaService"])}
            assert services == VIA, logical_id
            assert all(
                flatten(v).endswith(f".{region}.<AWS::URLSuffix>")
                for v in as_list(condition["kms:ViaService"])
            )
            if "kms:CreateGrant" in actions:
                assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}
        sids = [s.get("Sid") for s in statements(resource)]
        assert {"AccountUseThroughServices", "AccountGrantsForServices"} <= set(sids)


def break_glass_role(environment: SynthesizedEnvironment) -> tuple[str, dict[str, Any]]:
    keys = environment.assembly.stack(f"{environment.config.name}/Keys")
    (found,) = [
        (logical_id, role)
        for logical_id, role in keys.resources_of_type("AWS::IAM::Role").items()
        if "KeyBreakGlass" in role["Metadata"]["aws:cdk:path"]
    ]
    return found


def test_a_named_break_glass_role_needs_mfa_and_may_only_use_the_keys(
    environment: SynthesizedEnvironment,
) -> None:
    config = environment.config
    logical_id, role = break_glass_role(environment)
    properties = role["Properties"]
    region = config.region or "<AWS::Region>"
    assert flatten(properties["RoleName"]) == f"cd4ml-{config.name}-{region}-key-break-glass"
    (trust,) = properties["AssumeRolePolicyDocument"]["Statement"]
    assert flatten(trust["Principal"]["AWS"]) == root(environment)
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert properties["MaxSessionDuration"] == 3600
    assert "Policies" not in properties and "ManagedPolicyArns" not in properties
    for stack, key_id, resource in platform_keys(environment):
        (use,) = [s for s in statements(resource) if s.get("Sid") == "BreakGlassUse"]
        # The role itself in the keys stack, its exported ARN in the loop-state stack.
        (principal,) = principals(use)
        assert logical_id in principal, (stack.display_name, key_id, use)
        assert sorted(as_list(use["Action"])) == [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
        ]
        others = [s for s in statements(resource) if s is not use]
        assert not [s for s in others if any(logical_id in p for p in principals(s))]


def cloudtrail_event(source: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "5f3a1c9e-0000-4000-8000-000000000001",
        "detail-type": "AWS API Call via CloudTrail",
        "source": source,
        "account": "111122223333",
        "region": "eu-west-1",
        "detail": detail,
    }


def test_assuming_or_using_the_break_glass_role_notifies_the_alarm_topic(
    environment: SynthesizedEnvironment,
) -> None:
    name = environment.config.name
    contract = environment.assembly.stack(f"{name}/ProjectContract")
    logical_id, _ = break_glass_role(environment)
    role_arn = "arn:aws:iam::111122223333:role/cd4ml-break-glass"
    rules = [
        rule
        for rule in rules_of(contract.template)
        if "KeyBreakGlassWatch" in contract.resources[rule.logical_id]["Metadata"]["aws:cdk:path"]
    ]
    assert len(rules) == 2
    (reference,) = {
        json.dumps(value, sort_keys=True)
        for rule in rules
        for value in rule.pattern["detail"].get("requestParameters", {}).get("roleArn", [])
    }
    assert logical_id in reference  # the keys stack's role, imported
    assumed = cloudtrail_event(
        "aws.sts",
        {
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "requestParameters": {"roleArn": role_arn, "roleSessionName": "incident-42"},
        },
    )
    used = cloudtrail_event(
        "aws.kms",
        {
            "eventSource": "kms.amazonaws.com",
            "eventName": "Decrypt",
            "userIdentity": {"sessionContext": {"sessionIssuer": {"arn": role_arn}}},
        },
    )
    other = cloudtrail_event(
        "aws.kms",
        {
            "eventSource": "kms.amazonaws.com",
            "eventName": "Decrypt",
            "userIdentity": {"sessionContext": {"sessionIssuer": {"arn": role_arn + "-other"}}},
        },
    )
    replacements = {reference: role_arn}
    patterns = [substitute(rule.pattern, replacements) for rule in rules]
    assert sorted(matches(p, e) for p in patterns for e in (assumed, used)) == [
        False,
        False,
        True,
        True,
    ]
    assert not any(matches(p, other) for p in patterns)
    loop_topic = f"{name}-loop:ExportsOutputRefAlarmTopic"
    for rule in rules:
        properties = contract.resources[rule.logical_id]["Properties"]
        assert properties["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
        (target,) = properties["Targets"]
        assert flatten(target["Arn"]).startswith(loop_topic)
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8
        queue = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        assert contract.resources[queue]["Type"] == "AWS::SQS::Queue"
    # EventBridge publishes with a role of this stack: no topic or key policy changes.
    roles = {
        json.dumps(contract.resources[rule.logical_id]["Properties"]["Targets"][0]["RoleArn"])
        for rule in rules
    }
    (role_reference,) = roles
    role_id = json.loads(role_reference)["Fn::GetAtt"][0]
    trust = contract.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [t["Principal"] for t in trust] == [{"Service": "events.amazonaws.com"}]
    granted = [
        (as_list(statement["Action"]), flatten(statement["Resource"]))
        for policy in contract.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert granted == [
        (["sns:Publish"], f"{loop_topic}{granted[0][1].removeprefix(loop_topic)}"),
        (["kms:Decrypt", "kms:GenerateDataKey*"], granted[1][1]),
    ]
    assert granted[0][1].startswith(loop_topic) and "LoopMessagesKey" in granted[1][1]
