"""Project roles create and delete network interfaces only in the platform's subnets and VPC."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import project_stack
from tests.unit.projects.catalog_reading import as_list, product_template

INTERFACE_ACTIONS = {
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
}


def _allows(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Allow statement of the template's IAM policies."""
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            statements = resource["Properties"]["PolicyDocument"]["Statement"]
            found += [s for s in statements if s["Effect"] == "Allow"]
    return found


def _parameter(template: dict[str, Any], environment: str, key: str) -> dict[str, str]:
    """A reference to the template's SSM-typed parameter of the platform contract's ``key``."""
    (logical_id,) = [
        logical_id
        for logical_id, parameter in template["Parameters"].items()
        if parameter.get("Default") == f"/cd4ml/{environment}/platform/{key}"
    ]
    return {"Ref": logical_id}


def _assert_held_to_the_platform_network(template: dict[str, Any], environment: str) -> None:
    subnets = json.dumps(_parameter(template, environment, "network/subnet-ids"))
    vpc = json.dumps(_parameter(template, environment, "network/vpc-id"))
    interface = [s for s in _allows(template) if INTERFACE_ACTIONS & set(as_list(s["Action"]))]
    # The build's pipeline role and the two endpoint roles.
    assert len(interface) >= 2 * 3, interface
    for statement in interface:
        resources = json.dumps(statement["Resource"])
        assert statement["Resource"] != "*", statement
        assert ":ec2:" in resources and "*" in resources, statement
        condition = statement["Condition"]
        assert vpc in json.dumps(condition["ArnEquals"]["ec2:Vpc"]), statement
        if "network-interface/" in resources:
            assert subnets in json.dumps(condition["ArnLike"]["ec2:Subnet"]), statement
            assert set(as_list(statement["Action"])) == INTERFACE_ACTIONS
        else:
            assert as_list(statement["Action"]) == ["ec2:CreateNetworkInterface"]
            assert "security-group/" in resources and "subnet/" in resources
    unscoped = [
        s
        for s in _allows(template)
        if "ec2:DeleteNetworkInterfacePermission" in as_list(s["Action"])
    ]
    # Only actions without resource-level permissions share its "*" (merged statements).
    assert unscoped and all(s["Resource"] == "*" for s in unscoped)


def test_declared_projects_hold_network_interfaces_to_the_platforms_subnets(
    environment: SynthesizedEnvironment,
) -> None:
    for project in environment.config.projects:
        template = project_stack(environment, project.name).template
        _assert_held_to_the_platform_network(template, environment.config.name)


def test_template_projects_hold_network_interfaces_to_the_platforms_subnets(
    environment: SynthesizedEnvironment,
) -> None:
    _assert_held_to_the_platform_network(product_template(environment), environment.config.name)
