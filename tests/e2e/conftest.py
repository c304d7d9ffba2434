"""The local loop, played once per test session for every e2e test.

``python -m tools.local_loop --json`` runs every scenario on the session's
sandbox assembly in a fresh process (the handlers read their settings at
import, so they must be imported with the environment the templates give
them) and prints, per scenario, its summary and its trace lines. Playing the
seed-code scenarios trains real models, so the e2e tests share one run and
one test worker (the ``local-loop`` xdist group).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="session")
def loop_run(sandbox: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    """Each scenario's summary (with its ``trace`` lines), by scenario name."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.local_loop",
            "--json",
            "--assembly",
            str(sandbox.assembly.directory),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return {entry["scenario"]: entry for entry in json.loads(result.stdout)}
