"""Keys: one rotating, retained key per purpose, with separated duties."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tests.unit.foundation_reading import key_logical_id


def test_one_rotating_retained_key_per_purpose_with_env_alias(
    environment: SynthesizedEnvironment,
) -> None:
    keys = environment.assembly.stack(f"{environment.config.name}/Keys")
    key_resources = keys.resources_of_type("AWS::KMS::Key")
    assert len(key_resources) == 4
    for resource in key_resources.values():
        assert resource["Properties"]["EnableKeyRotation"] is True
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert resource["Properties"]["PendingWindowInDays"] == 30
    aliases = sorted(
        a["Properties"]["AliasName"] for a in keys.resources_of_type("AWS::KMS::Alias").values()
    )
    name = environment.config.name
    purposes = ("artifacts", "data-lake", "logs", "studio")
    assert aliases == [f"alias/cd4ml/{name}/{p}" for p in purposes]


def test_key_administrator_manages_but_cannot_use_keys(sandbox: SynthesizedEnvironment) -> None:
    keys = sandbox.assembly.stack("sandbox/Keys")
    for resource in keys.resources_of_type("AWS::KMS::Key").values():
        statements = resource["Properties"]["KeyPolicy"]["Statement"]
        admin = [s for s in statements if s.get("Sid") == "KeyAdministration"]
        assert len(admin) == 1
        actions = admin[0]["Action"]
        assert "kms:ScheduleKeyDeletion" in actions and "kms:EnableKeyRotation" in actions
        assert "kms:PutKeyPolicy" not in actions  # key policies change only by deployment
        assert not any(
            a.startswith(("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")) for a in actions
        )
        assert admin[0]["Principal"] == {
            "AWS": {"Fn::GetAtt": ["KeyAdministratorRole401B3482", "Arn"]}
        }
    role = keys.resources["KeyAdministratorRole401B3482"]
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert "Policies" not in role["Properties"] and "ManagedPolicyArns" not in role["Properties"]


def test_only_the_logs_key_trusts_cloudwatch_logs(sandbox: SynthesizedEnvironment) -> None:
    keys = sandbox.assembly.stack("sandbox/Keys")
    trusted = {
        logical_id
        for logical_id, resource in keys.resources_of_type("AWS::KMS::Key").items()
        if any(
            s.get("Sid") == "CloudWatchLogsUse"
            for s in resource["Properties"]["KeyPolicy"]["Statement"]
        )
    }
    assert trusted == {key_logical_id(sandbox, "LogsKey")}
