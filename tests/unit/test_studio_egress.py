"""Studio apps reach HTTPS only at the endpoints' security groups and the gateway prefix lists."""

from __future__ import annotations

from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment


def app_security_group(environment: SynthesizedEnvironment) -> dict[str, Any]:
    """The app group's properties, its separate egress resources folded into its list."""
    studio = environment.assembly.stack(f"{environment.config.name}/Studio")
    ((group_id, group),) = [
        (logical_id, resource)
        for logical_id, resource in studio.resources_of_type("AWS::EC2::SecurityGroup").items()
        if "AppSecurityGroup" in logical_id
    ]
    properties = dict(group["Properties"])
    separate = [
        resource["Properties"]
        for resource in studio.resources_of_type("AWS::EC2::SecurityGroupEgress").values()
        if resource["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    properties["SecurityGroupEgress"] = list(properties.get("SecurityGroupEgress", [])) + separate
    return properties


def test_no_studio_egress_to_the_internet(environment: SynthesizedEnvironment) -> None:
    egress = app_security_group(environment)["SecurityGroupEgress"]
    assert all("CidrIp" not in rule for rule in egress), egress
    assert all(rule["FromPort"] == rule["ToPort"] == 443 for rule in egress)


def test_studio_egress_goes_to_endpoint_groups_and_prefix_lists(
    environment: SynthesizedEnvironment,
) -> None:
    egress = app_security_group(environment)["SecurityGroupEgress"]
    groups = [
        flatten(rule["DestinationSecurityGroupId"])
        for rule in egress
        if "DestinationSecurityGroupId" in rule
    ]
    prefix_lists = [
        flatten(rule["DestinationPrefixListId"])
        for rule in egress
        if "DestinationPrefixListId" in rule
    ]
    assert len(prefix_lists) == 2  # S3 and DynamoDB, read at deploy time
    assert all("GatewayPrefixLists" in value for value in prefix_lists), prefix_lists
    expected_groups = 1
    vpc = environment.config.network.vpc
    existing = getattr(vpc, "existing_endpoints", None)
    if existing is not None and existing.security_group_id:
        expected_groups = 2
        assert existing.security_group_id in groups
    assert len(groups) == expected_groups, groups
    assert any("EndpointSecurityGroup" in value for value in groups), groups
