"""A pipeline whose environments live in two regions: one artifact store of our own per region."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cfnlint.api

from app import build_delivery_app
from config.delivery import load_delivery
from tests.unit.delivery.conftest import SynthesizedDelivery, cross_region_config, stage
from tools.cloud_assembly import SynthesizedStack

REPLICATION = "cd4ml-delivery-replication-us-east-1"
ALIAS_ARN = "arn:aws:kms:us-east-1:444455556666:alias/cd4ml/cd4ml-delivery/artifacts"


def deploy_role(account: str, region: str, purpose: str = "deploy") -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":iam::{account}:role/cdk-hnb659fds-{purpose}-role-{account}-{region}",
            ],
        ]
    }


def in_store(stack: SynthesizedStack, resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of ``resource_type`` of the stack's artifact store (not of its alarms)."""
    return {
        logical_id: resource
        for logical_id, resource in stack.resources_of_type(resource_type).items()
        if "/Store/" in resource["Metadata"]["aws:cdk:path"]
    }


def replication_bucket(delivery: SynthesizedDelivery) -> dict[str, Any]:
    replication = delivery.assembly.stack(REPLICATION)
    (bucket,) = [
        r
        for r in replication.resources_of_type("AWS::S3::Bucket").values()
        if "BucketName" in r["Properties"]
    ]
    return bucket


def test_the_settings_name_the_other_region(delivery_cross_region: SynthesizedDelivery) -> None:
    assert delivery_cross_region.settings.replication_regions == ("us-east-1",)


def test_the_pipeline_and_replication_stacks_are_termination_protected_by_default(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    # They keep the artifact stores and their keys; the config may turn it off.
    assert delivery_cross_region.settings.config.termination_protection is True
    replication = delivery_cross_region.assembly.stack(REPLICATION)
    assert delivery_cross_region.stack.termination_protection is True
    assert replication.termination_protection is True


def test_termination_protection_off_in_the_config_is_off_on_every_pipeline_stack(
    tmp_path: Path,
) -> None:
    config_dir = cross_region_config(tmp_path)
    pipeline = config_dir / "cross-region.yaml"
    pipeline.write_text(pipeline.read_text() + "termination_protection: false\n")
    app = build_delivery_app(load_delivery("cross-region", config_dir), outdir=str(tmp_path))
    stacks = {
        child.stack_name: child.termination_protection
        for child in app.node.children
        if isinstance(child, cdk.Stack)
    }
    # Constructed, not synthesized: the stacks' settings are all this test reads.
    assert stacks == {"cd4ml-delivery": False, REPLICATION: False}


def test_one_artifact_store_per_region_the_other_ours(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    pipeline = delivery_cross_region.one("AWS::CodePipeline::Pipeline")
    assert "ArtifactStore" not in pipeline
    stores = {s["Region"]: s["ArtifactStore"] for s in pipeline["ArtifactStores"]}
    assert set(stores) == {"eu-west-1", "us-east-1"}
    assert stores["eu-west-1"]["Location"] == {"Ref": "DeliveryStoreArtifactsBucket48E6E238"}
    bucket = replication_bucket(delivery_cross_region)
    assert stores["us-east-1"] == {
        "Type": "S3",
        "Location": bucket["Properties"]["BucketName"],
        "EncryptionKey": {"Type": "KMS", "Id": ALIAS_ARN},
    }


def test_the_replication_bucket_is_versioned_encrypted_logged_and_kept(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    replication = delivery_cross_region.assembly.stack(REPLICATION)
    assert replication.region == "us-east-1"
    bucket = replication_bucket(delivery_cross_region)
    assert bucket["DeletionPolicy"] == "Retain"
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == "artifacts/"
    sse = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (alias_id,) = in_store(replication, "AWS::KMS::Alias")
    assert sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {
        "Fn::Join": ["", ["arn:aws:kms:us-east-1:444455556666:", {"Ref": alias_id}]]
    }
    (key,) = in_store(replication, "AWS::KMS::Key").values()
    assert key["DeletionPolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    # The environment's deploy role in us-east-1 reads its input through this key.
    decrypters = [
        s["Principal"]["AWS"]
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "kms:Decrypt" in s["Action"]
    ]
    assert deploy_role("222233334444", "us-east-1") in decrypters


def test_the_pipeline_deploys_after_its_replication_store(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    manifest = json.loads((delivery_cross_region.assembly.directory / "manifest.json").read_text())
    assert REPLICATION in manifest["artifacts"]["cd4ml-delivery"]["dependencies"]


def test_each_stage_deploys_in_its_own_region(delivery_cross_region: SynthesizedDelivery) -> None:
    for name, account, region in [
        ("us-dev", "222233334444", "us-east-1"),
        ("example-prod", "111122223333", "eu-west-1"),
    ]:
        actions = stage(delivery_cross_region, name)
        deploys = [a for a in actions if a["ActionTypeId"]["Provider"] == "CloudFormation"]
        assert len(deploys) >= 20
        for action in deploys:
            assert action.get("Region") == (None if region == "eu-west-1" else region)
            assert action["RoleArn"] == deploy_role(account, region)
        check = next(a for a in actions if a["Name"] == f"Check-{name}")
        properties = delivery_cross_region.stack.resources[
            check["Configuration"]["ProjectName"]["Ref"]
        ]["Properties"]
        variables = {
            v["Name"]: v["Value"] for v in properties["Environment"]["EnvironmentVariables"]
        }
        assert variables["TARGET_REGION"] == region
        assert variables["CHECK_ROLE_ARN"] == deploy_role(account, region, "lookup")


def test_the_pipeline_role_uses_keys_of_other_regions_only_if_they_are_its_own(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    statements = [
        statement
        for logical_id, policy in delivery_cross_region.stack.resources_of_type(
            "AWS::IAM::ManagedPolicy"
        ).items()
        if logical_id.startswith("DeliveryPipelineRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "us-east-1" in json.dumps(statement["Resource"]) and "kms:Decrypt" in statement["Action"]
    ]
    assert statements == [
        {
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Condition": {
                "ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/cd4ml/cd4ml-delivery/*"}
            },
            "Effect": "Allow",
            "Resource": "arn:aws:kms:us-east-1:444455556666:key/*",
        }
    ]


def test_the_replication_key_admits_the_tooling_account_only_through_services(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    replication = delivery_cross_region.assembly.stack(REPLICATION)
    (key,) = in_store(replication, "AWS::KMS::Key").values()
    root = "arn:aws:iam::444455556666:root"
    uses = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"].get("AWS") == root
        and any(
            a.startswith(("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")) for a in s["Action"]
        )
    ]
    assert [s["Sid"] for s in uses] == ["AccountUseThroughServices"]
    condition = uses[0]["Condition"]["StringEquals"]
    assert condition["kms:CallerAccount"] == "444455556666"
    assert {"Fn::Join": ["", ["s3.us-east-1.", {"Ref": "AWS::URLSuffix"}]]} in condition[
        "kms:ViaService"
    ]
    (readers,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "DeployRolesDecryptArtifacts"
    ]
    assert readers["Principal"] == {"AWS": deploy_role("222233334444", "us-east-1")}
    assert readers["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in replication.resources_of_type("AWS::S3::BucketPolicy").values()
        if any(
            s.get("Sid") == "DeployRolesReadArtifacts"
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    (read,) = [s for s in policy if s.get("Sid") == "DeployRolesReadArtifacts"]
    assert read["Principal"] == {"AWS": deploy_role("222233334444", "us-east-1")}
    assert read["Action"] == ["s3:GetBucket*", "s3:GetObject*", "s3:List*"]


def test_cross_region_passes_every_pack_and_cfn_lint(
    delivery_cross_region: SynthesizedDelivery,
) -> None:
    assert delivery_cross_region.assembly.findings(suppressed=False) == []
    for name, region in [("cd4ml-delivery", "eu-west-1"), (REPLICATION, "us-east-1")]:
        path = delivery_cross_region.assembly.stack(name).template_path
        matches = cfnlint.api.lint_file(path, config=cfnlint.api.ManualArgs(regions=[region]))
        assert [str(m) for m in matches] == [], name
