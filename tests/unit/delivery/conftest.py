"""The delivery pipelines, each synthesized once per test session (only when a test asks)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app import build_delivery_app
from config import CONFIG_DIR
from config.delivery import DeliverySettings, load_delivery
from tools.cloud_assembly import CloudAssembly, SynthesizedStack


@dataclass(frozen=True)
class SynthesizedDelivery:
    """One pipeline config after synth: its settings and the cloud assembly."""

    settings: DeliverySettings
    assembly: CloudAssembly

    @property
    def stack(self) -> SynthesizedStack:
        """The pipeline stack."""
        return self.assembly.stack(self.settings.config.stack_name)

    def one(self, resource_type: str) -> dict[str, Any]:
        """Properties of the one resource of ``resource_type`` in the pipeline stack."""
        found = list(self.stack.resources_of_type(resource_type).values())
        assert len(found) == 1, (resource_type, len(found))
        return dict(found[0]["Properties"])


def stages(delivery: SynthesizedDelivery) -> list[dict[str, Any]]:
    return list(delivery.one("AWS::CodePipeline::Pipeline")["Stages"])


def stage(delivery: SynthesizedDelivery, name: str) -> list[dict[str, Any]]:
    return next(s["Actions"] for s in stages(delivery) if s["Name"] == name)


def project(delivery: SynthesizedDelivery, action: dict[str, Any]) -> dict[str, Any]:
    logical_id = action["Configuration"]["ProjectName"]["Ref"]
    return dict(delivery.stack.resources[logical_id]["Properties"])


def buildspec(properties: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(properties["Source"]["BuildSpec"]))


def role_arn(account: str, purpose: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":iam::{account}:role/cdk-hnb659fds-{purpose}-role-{account}-eu-west-1",
            ],
        ]
    }


def synthesize_delivery(
    name: str, outdir: Path, config_dir: Path = CONFIG_DIR
) -> SynthesizedDelivery:
    settings = load_delivery(name, config_dir)
    build_delivery_app(settings, outdir=str(outdir)).synth()
    return SynthesizedDelivery(settings=settings, assembly=CloudAssembly.load(outdir))


@pytest.fixture(scope="session")
def delivery_example(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedDelivery:
    """The three-account example (CodeConnections source, approval before prod)."""
    return synthesize_delivery("delivery-example", tmp_path_factory.mktemp("delivery-example"))


@pytest.fixture(scope="session")
def delivery_default(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedDelivery:
    """The shipped default: one env-agnostic sandbox stage from an S3 zip."""
    return synthesize_delivery("delivery", tmp_path_factory.mktemp("delivery"))


# A development environment like the sandbox, but in its own account in
# us-east-1, ahead of example-prod in eu-west-1; the pipeline lives in eu-west-1.
CROSS_REGION_PIPELINE = """\
tags: {owner: ml-platform-team, cost_center: "4711", data_classification: internal}
tooling: {account: "444455556666", region: eu-west-1}
environments:
  - {name: us-dev, account: "222233334444", region: us-east-1}
  - {name: example-prod}
"""


def cross_region_config(config_dir: Path) -> Path:
    """``config_dir`` with the shipped files, us-dev and the cross-region pipeline."""
    for path in CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, config_dir)
    sandbox = (CONFIG_DIR / "sandbox.yaml").read_text(encoding="utf-8")
    us_dev = sandbox.replace(
        "name: sandbox\n", 'name: us-dev\naccount: "222233334444"\nregion: us-east-1\n', 1
    )
    assert us_dev != sandbox
    (config_dir / "us-dev.yaml").write_text(us_dev, encoding="utf-8")
    (config_dir / "cross-region.yaml").write_text(CROSS_REGION_PIPELINE, encoding="utf-8")
    return config_dir


@pytest.fixture(scope="session")
def delivery_cross_region(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedDelivery:
    """Two regions: us-dev (us-east-1) then example-prod (eu-west-1, the pipeline's region)."""
    config_dir = cross_region_config(tmp_path_factory.mktemp("cross-region-config"))
    return synthesize_delivery(
        "cross-region", tmp_path_factory.mktemp("delivery-cross-region"), config_dir
    )
