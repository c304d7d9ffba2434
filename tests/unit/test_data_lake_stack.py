"""Data lake: private, versioned, logged buckets with their own keys."""

from __future__ import annotations

from typing import Any

from tests.conftest import SynthesizedEnvironment
from tests.unit.foundation_reading import imported_key_logical_id, key_logical_id


def buckets_by_construct(environment: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    lake = environment.assembly.stack(f"{environment.config.name}/DataLake")
    return {
        resource["Metadata"]["aws:cdk:path"].split("/")[2]: resource
        for resource in lake.resources_of_type("AWS::S3::Bucket").values()
    }


def test_zone_and_artifact_buckets_use_their_own_keys(environment: SynthesizedEnvironment) -> None:
    buckets = buckets_by_construct(environment)
    assert set(buckets) == {
        "AccessLogs",
        "RawZone",
        "CuratedZone",
        "FeaturesZone",
        "ModelArtifacts",
    }
    expected_key = {
        "RawZone": "DataLakeKey",
        "CuratedZone": "DataLakeKey",
        "FeaturesZone": "DataLakeKey",
        "ModelArtifacts": "ArtifactsKey",
    }
    for name, key in expected_key.items():
        rule = buckets[name]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][
            0
        ]
        assert rule["BucketKeyEnabled"] is True
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        reference = imported_key_logical_id(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
        assert key_logical_id(environment, key) in reference, (name, reference)
    access_logs = buckets["AccessLogs"]["Properties"]["BucketEncryption"]
    assert access_logs["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }


def test_every_bucket_is_private_versioned_retained_and_logged(
    environment: SynthesizedEnvironment,
) -> None:
    for name, bucket in buckets_by_construct(environment).items():
        properties = bucket["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}, name
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        assert properties["OwnershipControls"] == {
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
        }, name
        assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
        if name != "AccessLogs":
            assert properties["LoggingConfiguration"]["LogFilePrefix"].endswith("/")
            assert properties["NotificationConfiguration"] == {
                "EventBridgeConfiguration": {"EventBridgeEnabled": True}
            }
            rule = properties["LifecycleConfiguration"]["Rules"][0]
            assert rule["Status"] == "Enabled"
            assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
                environment.config.data_lake.noncurrent_version_retention_days
            )
            assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == (
                environment.config.data_lake.incomplete_upload_days
            )


def test_bucket_policies_deny_plain_http_and_old_tls(environment: SynthesizedEnvironment) -> None:
    lake = environment.assembly.stack(f"{environment.config.name}/DataLake")
    policies = lake.resources_of_type("AWS::S3::BucketPolicy")
    assert len(policies) == 5
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        conditions = [s["Condition"] for s in statements if s["Effect"] == "Deny"]
        assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
        assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions


def test_no_custom_resource_lambda_for_bucket_notifications(
    environment: SynthesizedEnvironment,
) -> None:
    lake = environment.assembly.stack(f"{environment.config.name}/DataLake")
    assert not lake.resources_of_type("AWS::Lambda::Function")
    assert not lake.resources_of_type("Custom::S3BucketNotifications")


def test_glue_database_per_zone(environment: SynthesizedEnvironment) -> None:
    lake = environment.assembly.stack(f"{environment.config.name}/DataLake")
    names = sorted(
        d["Properties"]["DatabaseInput"]["Name"]
        for d in lake.resources_of_type("AWS::Glue::Database").values()
    )
    prefix = "cd4ml_" + environment.config.name.replace("-", "_")
    assert names == sorted(f"{prefix}_{z}" for z in environment.config.data_lake.zones)
