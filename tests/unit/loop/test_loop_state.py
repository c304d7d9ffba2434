"""LoopStateStack: the loop's keys and tables, kept apart from its stateless functions."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import resource_at, stack

# Renaming one of these construct ids replaces a table or key: data loss.
PINNED_LOGICAL_IDS = {
    "AWS::DynamoDB::Table": {
        "TablesIdempotencyTable9CFEB1A0",
        "TablesStateTableD41017F5",
        "TablesAuditTable74DDE525",
    },
    "AWS::KMS::Key": {"LoopTablesKeyCABBC9EF", "LoopMessagesKeyAE3CD515"},
}


def test_logical_ids_of_loop_state_are_pinned(sandbox: SynthesizedEnvironment) -> None:
    state = stack(sandbox, "LoopState")
    for resource_type, logical_ids in PINNED_LOGICAL_IDS.items():
        assert set(state.resources_of_type(resource_type)) == logical_ids


def test_tables_have_the_contract_keys_and_ttl(sandbox: SynthesizedEnvironment) -> None:
    state = stack(sandbox, "LoopState")
    expected = {
        "IdempotencyTable": ([("id", "HASH")], "expiration"),
        "StateTable": ([("pk", "HASH"), ("sk", "RANGE")], "expires_at"),
        "AuditTable": ([("project", "HASH"), ("decision_id", "RANGE")], None),
    }
    for name, (keys, ttl) in expected.items():
        _, table = resource_at(state, f"Tables/{name}/Resource")
        properties = table["Properties"]
        assert [(k["AttributeName"], k["KeyType"]) for k in properties["KeySchema"]] == keys
        assert {a["AttributeType"] for a in properties["AttributeDefinitions"]} == {"S"}
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        if ttl is None:
            assert "TimeToLiveSpecification" not in properties
        else:
            assert properties["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


def test_tables_are_encrypted_recoverable_and_retained(
    environment: SynthesizedEnvironment,
) -> None:
    state = stack(environment, "LoopState")
    key_id, _ = resource_at(state, "LoopTablesKey/Key/Resource")
    protected = {"StateTable", "AuditTable"}
    for name in ("IdempotencyTable", "StateTable", "AuditTable"):
        _, table = resource_at(state, f"Tables/{name}/Resource")
        properties = table["Properties"]
        assert table["DeletionPolicy"] == "Retain"
        assert properties["SSESpecification"] == {
            "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
            "SSEEnabled": True,
            "SSEType": "KMS",
        }
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        assert properties.get("DeletionProtectionEnabled", False) is (name in protected)


def test_state_and_audit_are_backed_up_daily_for_a_year(sandbox: SynthesizedEnvironment) -> None:
    state = stack(sandbox, "LoopState")
    (plan,) = state.resources_of_type("AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["Lifecycle"] == {"DeleteAfterDays": 365}
    assert rule["ScheduleExpression"] == "cron(0 4 * * ? *)"
    (selection,) = state.resources_of_type("AWS::Backup::BackupSelection").values()
    resources = str(selection["Properties"]["BackupSelection"]["Resources"])
    assert "StateTable" in resources and "AuditTable" in resources
    assert "IdempotencyTable" not in resources
    (vault,) = state.resources_of_type("AWS::Backup::BackupVault").values()
    assert vault["DeletionPolicy"] == "Retain"
    assert "LoopTablesKey" in str(vault["Properties"]["EncryptionKeyArn"])


def test_messages_key_admits_only_the_services_that_deliver_to_the_loop(
    sandbox: SynthesizedEnvironment,
) -> None:
    state = stack(sandbox, "LoopState")
    _, key = resource_at(state, "LoopMessagesKey/Key/Resource")
    services = {
        statement["Sid"]: statement
        for statement in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in statement.get("Principal", {})
    }
    assert {sid: s["Principal"]["Service"] for sid, s in services.items()} == {
        "EventBridgeDeadLetters": "events.amazonaws.com",
        "SnsUndeliveredNotifications": "sns.amazonaws.com",
        "CloudWatchAlarmNotifications": "cloudwatch.amazonaws.com",
    }
    for sid in ("EventBridgeDeadLetters", "SnsUndeliveredNotifications"):
        assert services[sid]["Condition"] == {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
        }
    _, tables_key = resource_at(state, "LoopTablesKey/Key/Resource")
    assert not [
        s for s in tables_key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s["Principal"]
    ]


def test_loop_state_is_protected_like_the_other_stateful_stacks(
    environment: SynthesizedEnvironment,
) -> None:
    state = stack(environment, "LoopState")
    assert state.termination_protection is environment.config.termination_protection
    assert state.stack_name == f"{environment.config.name}-loop-state"
