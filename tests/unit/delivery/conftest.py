"""The delivery pipelines, each synthesized once per test session (only when a test asks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app import build_delivery_app
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


def synthesize_delivery(name: str, outdir: Path) -> SynthesizedDelivery:
    settings = load_delivery(name)
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
