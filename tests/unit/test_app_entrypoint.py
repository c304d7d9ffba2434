"""The app as a user runs it: deterministic output, and a bad config stops it in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SynthesizedEnvironment, synthesize

ROOT = Path(__file__).parents[2]


def test_same_config_gives_byte_identical_templates(
    sandbox: SynthesizedEnvironment, tmp_path: Path
) -> None:
    again = synthesize("sandbox", tmp_path)
    first = {s.display_name: s.template_path.read_bytes() for s in sandbox.assembly.stacks}
    second = {s.display_name: s.template_path.read_bytes() for s in again.assembly.stacks}
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], first_difference(name, first[name], second[name])


def first_difference(name: str, first: bytes, second: bytes) -> str:
    """The first line where two renderings of a template differ, with its neighbours."""
    lines = list(zip(first.decode().splitlines(), second.decode().splitlines(), strict=False))
    at = next((i for i, (a, b) in enumerate(lines) if a != b), len(lines))
    context = lines[max(0, at - 6) : at + 1]
    return f"{name} differs at line {at + 1}: " + " | ".join(
        f"{a.strip()} ~ {b.strip()}" if a != b else a.strip() for a, b in context
    )


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"env": "nowhere"}, "config/nowhere.yaml: file not found; environments available: "),
        ({"env": "Bad Name"}, "environment name 'Bad Name' is not allowed"),
    ],
)
def test_bad_environment_exits_2_with_one_line(context: dict[str, str], expected: str) -> None:
    environment = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)}
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("config error")]
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in result.stderr
