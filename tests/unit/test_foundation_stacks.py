"""Keys, network and data lake: what each stack must guarantee, read from the templates."""

from __future__ import annotations

from typing import Any

from tests.conftest import SynthesizedEnvironment

STATEFUL_TYPES = ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::Glue::Database")


def imported_key_logical_id(reference: Any) -> str:
    """The logical id of the key behind a cross-stack reference (``Fn::ImportValue``)."""
    assert isinstance(reference, dict) and "Fn::ImportValue" in reference, reference
    return str(reference["Fn::ImportValue"])


def key_logical_id(environment: SynthesizedEnvironment, construct: str) -> str:
    keys = environment.assembly.stack(f"{environment.config.name}/Keys")
    matches = [
        logical_id
        for logical_id, resource in keys.resources_of_type("AWS::KMS::Key").items()
        if resource.get("Metadata", {})
        .get("aws:cdk:path", "")
        .endswith(f"/{construct}/Key/Resource")
    ]
    assert len(matches) == 1, matches
    return matches[0]


# --- keys ------------------------------------------------------------------


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


# --- network ---------------------------------------------------------------


def test_sandbox_vpc_has_no_internet_path(sandbox: SynthesizedEnvironment) -> None:
    network = sandbox.assembly.stack("sandbox/Network")
    types = {r["Type"] for r in network.resources.values()}
    assert "AWS::EC2::VPC" in types
    for forbidden in ("AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::EIP"):
        assert forbidden not in types
    subnets = network.resources_of_type("AWS::EC2::Subnet")
    assert len(subnets) == 2
    for subnet in subnets.values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False
        tags = {t["Key"]: t["Value"] for t in subnet["Properties"]["Tags"]}
        assert tags["aws-cdk:subnet-type"] == "Isolated"
    for route in network.resources_of_type("AWS::EC2::Route").values():
        raise AssertionError(f"isolated subnets have no routes: {route}")


def test_gateway_and_interface_endpoints_with_private_dns(
    environment: SynthesizedEnvironment,
) -> None:
    network = environment.assembly.stack(f"{environment.config.name}/Network")
    endpoints = network.resources_of_type("AWS::EC2::VPCEndpoint").values()
    gateways = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Gateway"]
    interfaces = [e for e in endpoints if e["Properties"].get("VpcEndpointType") == "Interface"]
    # An imported VPC whose route tables all have an S3 gateway endpoint gets none.
    vpc = environment.config.network.vpc
    existing = getattr(vpc, "existing_endpoints", None)
    s3_taken = existing is not None and set(existing.s3_route_tables) == set(vpc.route_table_ids)
    assert len(gateways) == (1 if s3_taken else 2)
    assert len(interfaces) == len(environment.config.network.interface_endpoints)
    for endpoint in interfaces:
        assert endpoint["Properties"]["PrivateDnsEnabled"] is True
    names = [str(e["Properties"]["ServiceName"]) for e in interfaces]
    # Studio and MLflow endpoints live under the aws.sagemaker.<region> prefix.
    short = {"sagemaker.studio": "studio", "sagemaker.experiments": "experiments"}
    for service in environment.config.network.interface_endpoints:
        expected = short.get(service, service)
        assert any(expected in name for name in names), (service, names)


def test_endpoint_security_group_admits_https_from_the_vpc_only(
    environment: SynthesizedEnvironment,
) -> None:
    network = environment.assembly.stack(f"{environment.config.name}/Network")
    groups = [
        g
        for g in network.resources_of_type("AWS::EC2::SecurityGroup").values()
        if g.get("Metadata", {}).get("aws:cdk:path", "").endswith("EndpointSecurityGroup/Resource")
    ]
    assert len(groups) == 1
    properties = groups[0]["Properties"]
    cidr = environment.config.network.vpc.cidr
    assert properties["SecurityGroupIngress"] == [
        {
            "CidrIp": cidr,
            "Description": "HTTPS from the VPC",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    assert properties["SecurityGroupEgress"][0]["CidrIp"] == "255.255.255.255/32"


def test_flow_logs_go_to_an_encrypted_log_group_with_retention(
    environment: SynthesizedEnvironment,
) -> None:
    network = environment.assembly.stack(f"{environment.config.name}/Network")
    (flow_log,) = network.resources_of_type("AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    (group,) = [
        resource
        for logical_id, resource in network.resources_of_type("AWS::Logs::LogGroup").items()
        if logical_id.startswith("FlowLogGroup")
    ]
    assert (
        group["Properties"]["RetentionInDays"] == environment.config.network.flow_log_retention_days
    )
    key_ref = imported_key_logical_id(group["Properties"]["KmsKeyId"])
    assert key_logical_id(environment, "LogsKey") in key_ref
    assert group["DeletionPolicy"] == "Retain"


def test_imported_vpc_creates_no_vpc_and_uses_the_configured_subnets(
    example_prod: SynthesizedEnvironment,
) -> None:
    network = example_prod.assembly.stack("example-prod/Network")
    assert not network.resources_of_type("AWS::EC2::VPC")
    assert not network.resources_of_type("AWS::EC2::Subnet")
    subnets = set(example_prod.config.network.vpc.subnet_ids)  # type: ignore[union-attr]
    for endpoint in network.resources_of_type("AWS::EC2::VPCEndpoint").values():
        properties = endpoint["Properties"]
        if properties.get("VpcEndpointType") == "Interface":
            assert set(properties["SubnetIds"]) == subnets
        assert properties["VpcId"] == "vpc-0a1b2c3d4e5f60718"


# --- data lake -------------------------------------------------------------


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


# --- whole environment -----------------------------------------------------

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
