"""The local loop, played once per test session for every e2e test.

``python -m tools.local_loop --json`` runs every scenario on the session's
sandbox assembly in a fresh process (the handlers read their settings at
import, so they must be imported with the environment the templates give
them) and prints, per scenario, its summary and its trace lines. Playing the
seed-code scenarios trains real models, so the e2e tests share one run: with
pytest-xdist, the first worker to need it plays the loop under a file lock in
the session's shared temporary folder, and the other reads its output.
"""

from __future__ import annotations

import fcntl
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
def loop_run(
    sandbox: SynthesizedEnvironment, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> dict[str, dict[str, Any]]:
    """Each scenario's summary (with its ``trace`` lines), by scenario name."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    output = shared / "local-loop.json"
    with (shared / "local-loop.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not output.exists():
            output.write_text(play_every_scenario(sandbox))
    return {entry["scenario"]: entry for entry in json.loads(output.read_text())}


def play_every_scenario(sandbox: SynthesizedEnvironment) -> str:
    """``python -m tools.local_loop --json`` on the sandbox assembly: its standard output."""
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
    json.loads(result.stdout)
    return result.stdout
