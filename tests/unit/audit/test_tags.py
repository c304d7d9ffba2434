"""Tags: every taggable resource carries the required tags; exceptions are listed."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part
from tools.audit.references import EnvironmentView
from tools.audit.tags import tag_inventory, taggable_property


def test_every_taggable_resource_is_tagged(environment: SynthesizedEnvironment) -> None:
    from tools.audit.bundle import build_bundle

    tags = next(
        p for p in build_bundle(environment.assembly, environment.config) if p.name == "tags"
    )
    assert tags.data["exceptions"] == []
    assert tags.data["fully_tagged"] == tags.data["taggable_resources"] > 50
    assert tags.data["required"]["environment"] == environment.config.name


def test_a_resource_without_tags_is_an_exception(
    probe_view: EnvironmentView, sandbox: SynthesizedEnvironment
) -> None:
    exceptions = {e["resource"]: e for e in tag_inventory(probe_view, sandbox.config)["exceptions"]}
    assert exceptions["Store/PlainBucket"]["missing"] == [
        "cost-center",
        "data-classification",
        "environment",
        "owner",
    ]
    assert "Store/PlainTopic" in exceptions


def test_taggability_comes_from_the_resource_schemas(sandbox_bundle: dict[str, Part]) -> None:
    assert taggable_property("AWS::S3::Bucket", "us-east-1") == "Tags"
    assert taggable_property("AWS::Backup::BackupVault", "us-east-1") == "BackupVaultTags"
    assert taggable_property("AWS::IAM::ManagedPolicy", "us-east-1") is None
    assert taggable_property("Custom::VpcRestrictDefaultSG", "us-east-1") is None
    assert "AWS::IAM::ManagedPolicy" in sandbox_bundle["tags"].data["not_taggable"]
