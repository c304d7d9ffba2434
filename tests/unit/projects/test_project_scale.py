"""Projects scale by stacks: with 10 projects every stack stays small, and no platform stack grows.

``make bench`` (``benchmarks/project_scale.py``) runs the same check with 100
projects and reports the synth times of 1, 10 and 100 projects.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import build_app
from benchmarks.project_scale_app import scaled_sandbox
from tests.conftest import SynthesizedEnvironment
from tools.cloud_assembly import CloudAssembly

PROJECTS = 10
RESOURCE_LIMIT = 400


@pytest.fixture(scope="module")
def ten_projects(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """The sandbox with 10 projects, synthesized with every pack (a finding raises here)."""
    outdir: Path = tmp_path_factory.mktemp("ten-projects")
    build_app(scaled_sandbox(PROJECTS), outdir=str(outdir)).synth()
    return CloudAssembly.load(outdir)


def _sizes(assembly: CloudAssembly) -> dict[str, int]:
    return {stack.stack_name: len(stack.resources) for stack in assembly.stacks}


def test_ten_projects_are_ten_stacks_each_under_the_limit(ten_projects: CloudAssembly) -> None:
    sizes = _sizes(ten_projects)
    projects = {name: size for name, size in sizes.items() if "-project-churn-" in name}
    assert sorted(projects) == [f"sandbox-project-churn-{index:03d}" for index in range(PROJECTS)]
    assert len(set(projects.values())) == 1  # the same construct, the same resources
    assert max(sizes.values()) < RESOURCE_LIMIT, sizes


def test_no_platform_stack_grows_with_the_projects(
    ten_projects: CloudAssembly, sandbox: SynthesizedEnvironment
) -> None:
    one = {
        name: size
        for name, size in _sizes(sandbox.assembly).items()
        if not name.startswith("sandbox-project-churn")
    }
    ten = _sizes(ten_projects)
    assert {name: ten[name] for name in one} == one
    (single,) = [size for name, size in _sizes(sandbox.assembly).items() if name.endswith("-churn")]
    assert ten["sandbox-project-churn-000"] == single
