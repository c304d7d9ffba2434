"""The whole environment: stateful resources kept, no statement allows every action."""

from __future__ import annotations

from typing import Any

from tests.conftest import SynthesizedEnvironment

STATEFUL_TYPES = ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::Glue::Database")


# Renaming one of these construct ids replaces a stateful resource: data loss.
PINNED_LOGICAL_IDS = {
    "Keys": {
        "DataLakeKeyBE531ED9",
        "ArtifactsKey99FD090B",
        "LogsKeyFE4C4A83",
        "StudioKey183860BD",
    },
    "DataLake": {
        "AccessLogsBucketCD784A59",
        "RawZoneBucketD23CD850",
        "CuratedZoneBucketBB71C901",
        "FeaturesZoneBucketADF58FBB",
        "ModelArtifactsBucket2C3831B7",
    },
}


def test_logical_ids_of_stateful_resources_are_pinned(sandbox: SynthesizedEnvironment) -> None:
    for stack_id, logical_ids in PINNED_LOGICAL_IDS.items():
        stack = sandbox.assembly.stack(f"sandbox/{stack_id}")
        stateful = {
            logical_id
            for logical_id, resource in stack.resources.items()
            if resource["Type"] in ("AWS::KMS::Key", "AWS::S3::Bucket")
        }
        assert stateful == logical_ids, stack_id


def test_stateful_resources_are_retained(environment: SynthesizedEnvironment) -> None:
    for stack in environment.assembly.stacks:
        for logical_id, resource in stack.resources.items():
            if resource["Type"] in STATEFUL_TYPES:
                assert resource.get("DeletionPolicy") == "Retain", (stack.stack_name, logical_id)


def test_termination_protection_follows_config(environment: SynthesizedEnvironment) -> None:
    stateful = {"Keys", "Network", "DataLake"}
    for stack in environment.assembly.stacks:
        if stack.display_name.split("/")[1] in stateful:
            assert stack.termination_protection is environment.config.termination_protection


def test_no_iam_statement_allows_every_action(environment: SynthesizedEnvironment) -> None:
    for stack in environment.assembly.stacks:
        for logical_id, resource in stack.resources.items():
            for statement in _policy_statements(resource):
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else actions
                assert "*" not in actions, (stack.stack_name, logical_id, statement)
                assert "NotAction" not in statement or statement["Effect"] == "Deny"


def _policy_statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    properties = resource.get("Properties", {})
    documents = [properties.get("PolicyDocument"), properties.get("KeyPolicy")]
    documents += [p.get("PolicyDocument") for p in properties.get("Policies", [])]
    return [s for d in documents if d for s in d.get("Statement", [])]
