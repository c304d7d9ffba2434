"""Builder personas: images only from AWS's SageMaker accounts and this account; ENIs in our subnets."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.managed_policy_role import flatten
from config.sagemaker_images import SAGEMAKER_IMAGE_ACCOUNTS
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import as_list, persona_role, role_statements

BUILDERS = ("data_scientist", "ml_engineer")
ENI_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
}
IMAGE_ACTIONS = {
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
}


def allows(environment: SynthesizedEnvironment, persona: str) -> list[dict[str, Any]]:
    studio = environment.assembly.stack(f"{environment.config.name}/Studio")
    return [
        s for s in role_statements(studio, persona_role(studio, persona)) if s["Effect"] == "Allow"
    ]


def subnet_ids(environment: SynthesizedEnvironment) -> list[str]:
    """The workload subnets as the templates name them (ids, or the network stack's exports)."""
    vpc = environment.config.network.vpc
    if getattr(vpc, "subnet_ids", None):
        return list(vpc.subnet_ids)  # type: ignore[union-attr]
    return [f"workloadsSubnet{n}" for n in range(1, environment.config.network.az_count + 1)]


@pytest.mark.parametrize("persona", BUILDERS)
def test_images_come_from_sagemaker_image_accounts_or_this_account(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    pulls = [s for s in allows(environment, persona) if IMAGE_ACTIONS & set(as_list(s["Action"]))]
    assert len(pulls) == 2, pulls
    for statement in pulls:
        assert set(as_list(statement["Action"])) == IMAGE_ACTIONS
        (resource,) = [flatten(r) for r in as_list(statement["Resource"])]
        if ":<AWS::AccountId>:" in resource or f":{environment.config.account}:" in resource:
            assert "Condition" not in statement
            assert resource.endswith(":repository/*")
            continue
        assert ":*:repository/*" in resource
        accounts = statement["Condition"]["StringEquals"]["aws:ResourceAccount"]
        region = environment.config.region
        if region is None:  # the region table, looked up at deploy time
            assert "SageMakerImageAccounts" in flatten(accounts)
            mapping = environment.assembly.stack(f"{environment.config.name}/Studio").template[
                "Mappings"
            ]["SageMakerImageAccounts"]
            assert set(mapping) == set(SAGEMAKER_IMAGE_ACCOUNTS)
            for table_region, row in mapping.items():
                assert row["Values"].split(",") == list(SAGEMAKER_IMAGE_ACCOUNTS[table_region])
        else:
            assert sorted(as_list(accounts)) == sorted(SAGEMAKER_IMAGE_ACCOUNTS[region])
    assert not [
        s
        for s in allows(environment, persona)
        if any(
            a.startswith("ecr:") and a != "ecr:GetAuthorizationToken" for a in as_list(s["Action"])
        )
        and s not in pulls
    ]


@pytest.mark.parametrize("persona", BUILDERS)
def test_network_interfaces_only_in_the_platforms_subnets(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    statements = [
        s for s in allows(environment, persona) if ENI_ACTIONS & set(as_list(s["Action"]))
    ]
    expected = subnet_ids(environment)
    by_resource = {flatten(as_list(s["Resource"])[0]).rsplit(":", 1)[-1]: s for s in statements}
    interfaces = by_resource.pop("network-interface/*")
    assert set(as_list(interfaces["Action"])) == ENI_ACTIONS
    subnets = interfaces["Condition"]["ArnEquals"]["ec2:Subnet"]
    assert len(subnets) == len(expected)
    for subnet, subnet_id in zip(subnets, expected, strict=True):
        assert ":subnet/" in flatten(subnet) and subnet_id in flatten(subnet), subnet
    groups = by_resource.pop("security-group/*")
    assert as_list(groups["Action"]) == ["ec2:CreateNetworkInterface"]
    vpc = flatten(groups["Condition"]["ArnEquals"]["ec2:Vpc"])
    vpc_id = getattr(environment.config.network.vpc, "vpc_id", None) or "Vpc"
    assert ":vpc/" in vpc and vpc_id in vpc, vpc
    # What is left: the interface's own subnets, named one by one.
    named = list(by_resource.values())
    assert len(named) == 1
    assert as_list(named[0]["Action"]) == ["ec2:CreateNetworkInterface"]
    assert "Condition" not in named[0]
    resources = [flatten(r) for r in as_list(named[0]["Resource"])]
    assert len(resources) == len(expected)
    assert all("*" not in r and ":subnet/" in r for r in resources), resources
    # No network-interface action anywhere else on the role.
    assert all(flatten(r) != "*" for s in statements for r in as_list(s["Resource"]))
