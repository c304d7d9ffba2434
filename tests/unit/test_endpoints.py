"""VPC endpoints: a policy on every one, and an imported VPC's own endpoints never doubled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cd4ml_constructs.managed_policy_role import flatten
from config import ConfigError, load_environment
from config.loader import CONFIG_DIR
from config.sagemaker_images import SAGEMAKER_IMAGE_ACCOUNTS
from tests.conftest import SynthesizedEnvironment

OWN_ACCOUNT = {"sandbox": "<AWS::AccountId>", "example-prod": "111122223333"}


def endpoints(environment: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    network = environment.assembly.stack(f"{environment.config.name}/Network")
    return network.resources_of_type("AWS::EC2::VPCEndpoint")


def by_sid(endpoint: dict[str, Any]) -> dict[str, dict[str, Any]]:
    document = endpoint["Properties"]["PolicyDocument"]
    return {statement["Sid"]: statement for statement in document["Statement"]}


def service_of(endpoint: dict[str, Any]) -> str:
    return flatten(endpoint["Properties"]["ServiceName"]).rsplit(".", 1)[-1]


def test_every_endpoint_has_a_policy_for_this_account_only(
    environment: SynthesizedEnvironment,
) -> None:
    account = OWN_ACCOUNT[environment.config.name]
    found = endpoints(environment)
    assert len(found) >= 5
    for logical_id, endpoint in found.items():
        statements = by_sid(endpoint)
        assert statements, logical_id
        for sid, statement in statements.items():
            assert statement["Effect"] == "Allow", (logical_id, sid)
            assert statement["Principal"] == {"AWS": "*"}, (logical_id, sid)
            principal = statement["Condition"]["StringEquals"]["aws:PrincipalAccount"]
            assert flatten(principal) == account, (logical_id, sid)


def test_interface_endpoints_admit_only_this_accounts_resources(
    environment: SynthesizedEnvironment,
) -> None:
    account = OWN_ACCOUNT[environment.config.name]
    interfaces = [
        e
        for e in endpoints(environment).values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    ]
    assert len(interfaces) == len(environment.config.network.interface_endpoints)
    for endpoint in interfaces:
        statement = by_sid(endpoint)["ThisAccountOnly"]
        resource_account = statement["Condition"]["StringEqualsIfExists"]["aws:ResourceAccount"]
        assert flatten(resource_account) == account


def test_ecr_endpoints_admit_image_pulls_from_the_sagemaker_image_accounts(
    example_prod: SynthesizedEnvironment,
) -> None:
    ecr = [
        e
        for e in endpoints(example_prod).values()
        if flatten(e["Properties"]["ServiceName"]).endswith((".ecr.api", ".ecr.dkr"))
    ]
    assert len(ecr) == 2
    for endpoint in ecr:
        images = by_sid(endpoint)["SageMakerImages"]
        assert images["Action"] == [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ]
        accounts = images["Condition"]["StringEquals"]["aws:ResourceAccount"]
        assert accounts == list(SAGEMAKER_IMAGE_ACCOUNTS["eu-west-1"])
        assert "763104351884" in accounts  # the deep learning containers' registry


def test_s3_gateway_admits_the_platforms_buckets_and_the_aws_owned_ones(
    sandbox: SynthesizedEnvironment,
) -> None:
    (s3,) = [
        e
        for e in endpoints(sandbox).values()
        if e["Properties"]["VpcEndpointType"] == "Gateway"
        and flatten(e["Properties"]["ServiceName"]).endswith(".s3")
    ]
    statements = by_sid(s3)
    platform = statements["PlatformBuckets"]
    assert [flatten(r) for r in platform["Resource"]] == [
        "arn:<AWS::Partition>:s3:::sandbox-*",
        "arn:<AWS::Partition>:s3:::sandbox-*/*",
    ]
    assert flatten(platform["Condition"]["StringEquals"]["aws:ResourceAccount"]) == (
        "<AWS::AccountId>"
    )
    owned = statements["AwsOwnedBuckets"]
    assert owned["Action"] == "s3:GetObject"
    assert sorted(flatten(r) for r in owned["Resource"]) == [
        "arn:<AWS::Partition>:s3:::jumpstart-cache-prod-<AWS::Region>/*",
        "arn:<AWS::Partition>:s3:::prod-<AWS::Region>-starport-layer-bucket/*",
    ]
    # The platform's buckets are named after their stacks, so they match the prefix.
    data_lake = sandbox.assembly.stack("sandbox/DataLake")
    for bucket in data_lake.resources_of_type("AWS::S3::Bucket").values():
        assert "BucketName" not in bucket["Properties"]
    assert data_lake.stack_name.startswith("sandbox-")


def test_imported_vpc_gets_no_endpoint_it_already_has(example_prod: SynthesizedEnvironment) -> None:
    existing = example_prod.config.network.vpc.existing_endpoints  # type: ignore[union-attr]
    services = sorted(service_of(e) for e in endpoints(example_prod).values())
    for name in existing.interface:
        assert name not in services
    # Every route table already routes to the network team's S3 gateway endpoint.
    assert "s3" not in services
    (dynamodb,) = [e for e in endpoints(example_prod).values() if service_of(e) == "dynamodb"]
    assert dynamodb["Properties"]["RouteTableIds"] == [
        "rtb-0a1b2c3d4e5f60701",
        "rtb-0a1b2c3d4e5f60702",
        "rtb-0a1b2c3d4e5f60703",
    ]


def _prod_with(tmp_path: Path, change: Any) -> str | None:
    raw = yaml.safe_load((CONFIG_DIR / "example-prod.yaml").read_text(encoding="utf-8"))
    change(raw["network"])
    (tmp_path / "example-prod.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    try:
        load_environment("example-prod", config_dir=tmp_path)
    except ConfigError as error:
        return str(error).split(": ", 1)[1]
    return None


def test_an_existing_endpoint_listed_to_create_too_is_refused(tmp_path: Path) -> None:
    error = _prod_with(tmp_path, lambda n: n["interface_endpoints"].append("sts"))
    assert error is not None
    assert error.startswith('network.vpc.existing_endpoints.interface: ["sts", "logs"] is not')
    assert "sts would exist twice" in error


def test_existing_interface_endpoints_need_their_security_group(tmp_path: Path) -> None:
    error = _prod_with(tmp_path, lambda n: n["vpc"]["existing_endpoints"].pop("security_group_id"))
    assert error is not None
    assert error.startswith("network.vpc.existing_endpoints.security_group_id: null")


def test_existing_gateway_route_tables_must_be_the_vpcs(tmp_path: Path) -> None:
    error = _prod_with(
        tmp_path,
        lambda n: n["vpc"]["existing_endpoints"].update(
            dynamodb_route_tables=["rtb-0123456789abcdef0"]
        ),
    )
    assert error is not None
    assert error.startswith("network.vpc.existing_endpoints.dynamodb_route_tables:")
    assert "not among them: rtb-0123456789abcdef0" in error


def test_existing_endpoints_count_for_what_studio_and_the_loop_need(tmp_path: Path) -> None:
    assert _prod_with(tmp_path, lambda n: None) is None
    # Without the network team's sts and logs, Studio would lack them.
    error = _prod_with(tmp_path, lambda n: n["vpc"]["existing_endpoints"].update(interface=[]))
    assert error is not None
    assert "add sts, logs: the VpcOnly Studio domain" in error


@pytest.mark.parametrize("name", ["sandbox", "example-prod"])
def test_shipped_configs_load(name: str) -> None:
    assert load_environment(name).name == name
