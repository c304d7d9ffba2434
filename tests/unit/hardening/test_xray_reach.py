"""In-VPC loop functions reach every interface endpoint: the platform's and the VPC's own.

In an imported VPC the network team's endpoints (``existing_endpoints``)
count for what the loop needs, so the functions' security group allows
HTTPS to their security group as well as to the platform's endpoint group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
import yaml
from aws_cdk import aws_lambda as lambda_

from app import feature_flags
from config import load_environment
from config.loader import CONFIG_DIR
from stacks import PlatformStage
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import resource_at, stack

FUNCTIONS = ("retrain_trigger", "quality_gate", "deploy_trigger", "drift_check")


def tracing_of_prod_with(tmp_path: Path, change: Any) -> set[str | None]:
    """Tracing modes of the loop functions, example-prod changed by ``change`` (no synth)."""
    raw = yaml.safe_load((CONFIG_DIR / "example-prod.yaml").read_text(encoding="utf-8"))
    change(raw["network"])
    (tmp_path / "example-prod.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = load_environment("example-prod", config_dir=tmp_path)
    assert config.loop.functions_in_vpc
    stage = PlatformStage(cdk.App(context=feature_flags()), config.name, config=config)
    modes = set()
    for name in FUNCTIONS:
        function = getattr(stage.loop, name).function.node.default_child
        assert isinstance(function, lambda_.CfnFunction)
        tracing = stage.loop.resolve(function.tracing_config)
        modes.add(tracing["mode"] if tracing else None)
    return modes


def _move_xray_to_existing(network: dict[str, Any]) -> None:
    network["interface_endpoints"].remove("xray")
    network["vpc"]["existing_endpoints"]["interface"].append("xray")


def test_an_existing_xray_endpoint_carries_the_traces(tmp_path: Path) -> None:
    # The functions' security group reaches the network team's endpoints too:
    # an existing xray endpoint is a way out for their traces.
    assert tracing_of_prod_with(tmp_path, _move_xray_to_existing) == {"Active"}


def _drop_xray(network: dict[str, Any]) -> None:
    network["interface_endpoints"].remove("xray")


def test_without_any_xray_endpoint_tracing_is_off(tmp_path: Path) -> None:
    assert tracing_of_prod_with(tmp_path, _drop_xray) == {None}


def test_functions_reach_the_existing_endpoints_security_group(
    example_prod: SynthesizedEnvironment,
) -> None:
    vpc = example_prod.config.network.vpc
    existing = vpc.existing_endpoints  # type: ignore[union-attr]
    assert existing.interface and existing.security_group_id == "sg-0a1b2c3d4e5f60799"
    loop = stack(example_prod, "Loop")
    group_id, group = resource_at(loop, "FunctionSecurityGroup/Resource")
    egress = list(group["Properties"].get("SecurityGroupEgress", []))
    egress += [
        rule["Properties"]
        for rule in loop.resources_of_type("AWS::EC2::SecurityGroupEgress").values()
        if rule["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    to_groups = [
        (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["DestinationSecurityGroupId"])
        for rule in egress
        if "DestinationSecurityGroupId" in rule
    ]
    assert ("tcp", 443, 443, existing.security_group_id) in to_groups
    # ... beside the platform's own endpoint group, and nothing else.
    others = [d for *_, d in to_groups if d != existing.security_group_id]
    assert len(others) == 1 and "EndpointSecurityGroup" in str(others[0])
    assert all(rule[:3] == ("tcp", 443, 443) for rule in to_groups)
