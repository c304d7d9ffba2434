"""Session-wide fixtures: each environment is synthesized once per test session.

jsii start-up and aws-cdk-lib loading dominate a synth, so tests share one
synthesized app per environment instead of building their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from app import build_app
from config import EnvironmentConfig, load_environment
from stacks import PlatformStage
from tools.cloud_assembly import CloudAssembly


@dataclass(frozen=True)
class SynthesizedEnvironment:
    """One environment's app after synth: config, construct tree and cloud assembly."""

    config: EnvironmentConfig
    stage: PlatformStage
    assembly: CloudAssembly


def synthesize(name: str, outdir: Path) -> SynthesizedEnvironment:
    """Build and synthesize the app of environment ``name`` into ``outdir``."""
    config = load_environment(name)
    app = build_app(config, outdir=str(outdir))
    stage = app.node.find_child(config.name)
    assert isinstance(stage, PlatformStage)
    app.synth()
    return SynthesizedEnvironment(config=config, stage=stage, assembly=CloudAssembly.load(outdir))


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    """The default environment, synthesized once."""
    return synthesize("sandbox", tmp_path_factory.mktemp("sandbox"))


@pytest.fixture(scope="session")
def example_prod(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    """The production example (named account, imported VPC, 3 AZs), synthesized once."""
    return synthesize("example-prod", tmp_path_factory.mktemp("example-prod"))


@pytest.fixture(scope="session", params=["sandbox", "example-prod"])
def environment(
    request: pytest.FixtureRequest,
    sandbox: SynthesizedEnvironment,
    example_prod: SynthesizedEnvironment,
) -> SynthesizedEnvironment:
    """Each shipped environment in turn."""
    return sandbox if request.param == "sandbox" else example_prod
