"""Modules of the ML projects stay under 300 lines: a longer one holds more than one job."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 300
FOLDERS = (
    "constructs/cd4ml_constructs/projects",
    "pipeline_templates",
    "tests/unit/projects",
    "tests/pipeline_templates",
)
FILES = ("stacks/project_*.py", "benchmarks/project_scale*.py", "benchmarks/synth_bench.py")


def _modules() -> list[Path]:
    found = [path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")]
    found += [path for pattern in FILES for path in ROOT.glob(pattern)]
    return sorted(path for path in found if "__pycache__" not in path.parts)


def test_the_projects_modules_are_found() -> None:
    names = {path.name for path in _modules()}
    assert {"launch_role.py", "deploy_pipeline.py", "test_catalog_stack.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_a_module_has_at_most_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(ROOT)} has {lines} lines: split it along its seams"
