"""Encryption inventory: every store with its key and rotation, unencrypted first."""

from __future__ import annotations

import pytest

from tools.audit.bundle import Part
from tools.audit.encryption import encryption_inventory
from tools.audit.references import EnvironmentView


def test_an_unencrypted_bucket_comes_first(probe_view: EnvironmentView) -> None:
    stores = encryption_inventory(probe_view)["stores"]
    first = stores[0]
    assert (first["resource"], first["status"]) == ("Store/PlainBucket", "unencrypted")
    assert "S3 applies SSE-S3" in first["note"]
    statuses = [store["status"] for store in stores]
    assert statuses[:2] == ["unencrypted", "unencrypted"]
    assert {s["resource"] for s in stores[:2]} == {"Store/PlainBucket", "Store/PlainTopic"}


def test_order_follows_the_control_over_the_key(probe_view: EnvironmentView) -> None:
    ranks = {"unencrypted": 0, "service-owned key": 1, "AWS managed key": 2}
    ranks["customer managed key"] = 3
    statuses = [s["status"] for s in encryption_inventory(probe_view)["stores"]]
    assert [ranks[s] for s in statuses] == sorted(ranks[s] for s in statuses)


def test_the_sandbox_has_nothing_unencrypted(sandbox_bundle: dict[str, Part]) -> None:
    data = sandbox_bundle["encryption"].data
    assert data["summary"]["unencrypted"] == 0
    # S3 delivers access logs only to SSE-S3 buckets: the one store on an AWS key.
    assert [
        (s["resource"], s["status"])
        for s in data["stores"]
        if s["status"] != "customer managed key"
    ] == [("DataLake/AccessLogs/Bucket", "service-owned key")]


def test_each_store_names_its_key_alias_and_rotation(sandbox_bundle: dict[str, Part]) -> None:
    stores = {s["resource"]: s for s in sandbox_bundle["encryption"].data["stores"]}
    raw = stores["DataLake/RawZone/Bucket"]
    assert (raw["key"], raw["alias"], raw["rotation"]) == (
        "Keys/DataLakeKey/Key",
        "alias/cd4ml/sandbox/data-lake",
        "every 365 days",
    )
    audit = stores["LoopState/Tables/AuditTable"]
    assert (audit["key"], audit["status"]) == (
        "LoopState/LoopTablesKey/Key",
        "customer managed key",
    )
    assert stores["Network/FlowLogGroup"]["key"] == "Keys/LogsKey/Key"


def test_the_domain_home_volume_uses_the_studio_key(prod_bundle: dict[str, Part]) -> None:
    stores = {s["resource"]: s for s in prod_bundle["encryption"].data["stores"]}
    domain = stores["Studio/Domain/Domain"]
    assert (domain["part"], domain["key"]) == ("home EFS and space volumes", "Keys/StudioKey/Key")


def test_keys_list_what_they_protect(sandbox_bundle: dict[str, Part]) -> None:
    keys = {k["key"]: k for k in sandbox_bundle["encryption"].data["keys"]}
    lake = keys["Keys/DataLakeKey/Key"]
    assert lake["aliases"] == ["alias/cd4ml/sandbox/data-lake"]
    assert lake["deletion_window_days"] == 30
    assert lake["protects"] == [
        "DataLake/CuratedZone/Bucket (objects)",
        "DataLake/FeaturesZone/Bucket (objects)",
        "DataLake/RawZone/Bucket (objects)",
    ]


def test_a_key_read_through_the_ssm_contract_is_resolved(probe_view: EnvironmentView) -> None:
    stores = {s["resource"]: s for s in encryption_inventory(probe_view)["stores"]}
    bucket = stores["Consumer/ContractBucket"]
    assert (bucket["status"], bucket["key"]) == ("customer managed key", "Store/ContractKey")
    assert bucket["rotation"] == "off"


@pytest.mark.parametrize("bundle_name", ["sandbox_bundle", "prod_bundle"])
def test_only_the_break_glass_role_uses_a_key_directly(
    bundle_name: str, request: pytest.FixtureRequest
) -> None:
    bundle = request.getfixturevalue(bundle_name)
    environment = "sandbox" if bundle_name == "sandbox_bundle" else "example-prod"
    region = "${AWS::Region}" if environment == "sandbox" else "eu-west-1"
    keys = bundle["encryption"].data["keys"]
    platform_keys = [k for k in keys if k["stack"] == f"{environment}-keys"]
    assert len(platform_keys) >= 4
    for key in platform_keys:
        assert key["direct_use"] == [
            {
                "principal": "Keys/KeyBreakGlass/Role",
                "name": f"cd4ml-{environment}-{region}-key-break-glass",
                "actions": "kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*",
            }
        ], key["key"]
    # No key anywhere lets another principal use it directly.
    users = {u["principal"] for k in keys for u in k["direct_use"]}
    assert users == {"Keys/KeyBreakGlass/Role"}
    page = bundle["encryption"].page
    assert f"Keys/KeyBreakGlass/Role (`cd4ml-{environment}-{region}-key-break-glass`)" in page


def test_a_default_key_policy_lets_the_whole_account_use_the_key(
    probe_view: EnvironmentView,
) -> None:
    keys = {k["key"]: k for k in encryption_inventory(probe_view)["keys"]}
    # aws-cdk-lib's default key policy: the account root, kms:*, no service condition.
    assert keys["Store/ContractKey"]["direct_use"] == [
        {"principal": "arn:aws:iam::${AWS::AccountId}:root", "name": "", "actions": "kms:*"}
    ]
