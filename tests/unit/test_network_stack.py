"""Network: no path to the internet, private endpoints, logged flows."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tests.unit.foundation_reading import imported_key_logical_id, key_logical_id


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
