"""One synthesized app with the deploy pipeline for every test of this folder."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.projects.deploy_pipeline_app import DeployPipelineApp, synthesize


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> DeployPipelineApp:
    """Both stacks, synthesized once with every compliance pack (a finding raises here)."""
    return synthesize(tmp_path_factory.mktemp("deploy-pipeline"))


@pytest.fixture(scope="session")
def local(deployed: DeployPipelineApp) -> dict[str, Any]:
    """The template of the stack whose endpoints stay in its own account."""
    return deployed.templates["Local"]


@pytest.fixture(scope="session")
def cross(deployed: DeployPipelineApp) -> dict[str, Any]:
    """The template of the stack deploying into two other accounts."""
    return deployed.templates["CrossAccount"]
