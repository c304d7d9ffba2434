"""The pipeline's keys: a named MFA-only break-glass role per region, alarmed on every use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.delivery.conftest import SynthesizedDelivery
from tools.cloud_assembly import SynthesizedStack

REPLICATION = "cd4ml-delivery-replication-us-east-1"
KEY_USE = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
]


def break_glass(stack: SynthesizedStack) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, role["Properties"])
        for logical_id, role in stack.resources_of_type("AWS::IAM::Role").items()
        if "/KeyBreakGlass/" in role["Metadata"]["aws:cdk:path"]
    ]
    return found


def role_arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


@pytest.mark.parametrize(
    ("stack_name", "region"), [("cd4ml-delivery", "eu-west-1"), (REPLICATION, "us-east-1")]
)
def test_each_region_has_a_named_mfa_role_that_may_only_use_the_keys(
    delivery_cross_region: SynthesizedDelivery, stack_name: str, region: str
) -> None:
    stack = delivery_cross_region.assembly.stack(stack_name)
    logical_id, role = break_glass(stack)
    assert role["RoleName"] == f"cd4ml-delivery-{region}-key-break-glass"
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert role["MaxSessionDuration"] == 3600
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    keys = stack.resources_of_type("AWS::KMS::Key")
    # The artifact key and the key of the alarms themselves.
    assert len(keys) == 2
    for key_id, key in keys.items():
        policy = key["Properties"]["KeyPolicy"]["Statement"]
        (use,) = [s for s in policy if s.get("Sid") == "BreakGlassUse"]
        assert use["Principal"] == {"AWS": role_arn(logical_id)}, key_id
        assert sorted(use["Action"]) == KEY_USE
        others = [s for s in policy if s is not use]
        assert not [s for s in others if role_arn(logical_id) == s["Principal"].get("AWS")]


@pytest.mark.parametrize("stack_name", ["cd4ml-delivery", REPLICATION])
def test_assuming_or_using_the_role_notifies_the_regions_encrypted_alarm_topic(
    delivery_cross_region: SynthesizedDelivery, stack_name: str
) -> None:
    stack = delivery_cross_region.assembly.stack(stack_name)
    logical_id, _ = break_glass(stack)
    (topic_id, topic), *more = stack.resources_of_type("AWS::SNS::Topic").items()
    assert more == []
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert "/KeyAlarms/" in stack.resources[key_id]["Metadata"]["aws:cdk:path"]
    rules = {
        r["Metadata"]["aws:cdk:path"].split("/")[-2]: r["Properties"]
        for r in stack.resources_of_type("AWS::Events::Rule").values()
        if "/KeyAlarms/Watch/" in r["Metadata"]["aws:cdk:path"]
    }
    assert set(rules) == {"AssumedRule", "UsedRule"}
    assumed, used = rules["AssumedRule"]["EventPattern"], rules["UsedRule"]["EventPattern"]
    assert assumed["detail"]["eventName"] == ["AssumeRole"]
    assert assumed["detail"]["requestParameters"]["roleArn"] == [role_arn(logical_id)]
    assert used["source"] == ["aws.kms"]
    issuer = used["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]
    assert issuer["arn"] == [role_arn(logical_id)]
    for rule in rules.values():
        # KMS reads (Decrypt) reach EventBridge only in this state.
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Ref": topic_id}
        assert "DeadLetterConfig" in target


def test_an_env_agnostic_pipeline_names_the_role_after_the_deploy_region(
    delivery_default: SynthesizedDelivery,
) -> None:
    _, role = break_glass(delivery_default.stack)
    assert role["RoleName"] == {
        "Fn::Join": ["", ["cd4ml-delivery-", {"Ref": "AWS::Region"}, "-key-break-glass"]]
    }
