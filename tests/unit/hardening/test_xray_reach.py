"""In-VPC loop functions trace only through an X-Ray endpoint their security group reaches."""

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


def test_an_xray_endpoint_the_loop_cannot_reach_leaves_tracing_off(tmp_path: Path) -> None:
    # The network team's endpoints admit the platform's Studio apps, but the
    # loop functions' security group reaches only the platform's own endpoint
    # group: an existing xray endpoint is no way out for their traces.
    assert tracing_of_prod_with(tmp_path, _move_xray_to_existing) == {None}
