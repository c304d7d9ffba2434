"""The whole loop, in-process against moto, routed by the rules of the synthesized sandbox.

Runs ``python -m tools.local_loop`` on the session's sandbox assembly in a
fresh process: the handlers read their settings at import, so they must be
imported with the environment the templates give them.
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
from tools.local_loop.scenarios import SCENARIOS

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def summary(sandbox: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
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
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return {entry["scenario"]: entry for entry in json.loads(result.stdout)}


def test_every_scenario_meets_its_expectations(summary: dict[str, dict[str, Any]]) -> None:
    assert sorted(summary) == sorted(s.name for s in SCENARIOS)
    failed = {name: s["failures"] for name, s in summary.items() if not s["passed"]}
    assert failed == {}


def test_better_model_is_approved_and_deployed(summary: dict[str, dict[str, Any]]) -> None:
    scenario = summary["drift-retrain-approve-deploy"]
    assert scenario["executions_started"] == 1
    assert scenario["decisions"][:2] == ["retrain-started", "approved"]
    assert scenario["deploys"] == ["1"]


def test_worse_model_is_rejected_with_a_message(summary: dict[str, dict[str, Any]]) -> None:
    scenario = summary["worse-model-rejected"]
    assert "rejected" in scenario["decisions"]
    assert scenario["deploys"] == []
    assert len(scenario["notifications"]) == 1 and "rejected" in scenario["notifications"][0]


def test_duplicates_and_a_second_alarm_start_one_build(summary: dict[str, dict[str, Any]]) -> None:
    scenario = summary["duplicate-alarms"]
    assert scenario["executions_started"] == 1
    assert "skipped-lease-held" in scenario["decisions"]


def test_rollback_redeploys_the_previous_version(summary: dict[str, dict[str, Any]]) -> None:
    assert summary["rollback"]["deploys"] == ["1", "2", "1"]


def test_an_unreadable_policy_dead_letters_and_starts_nothing(
    summary: dict[str, dict[str, Any]],
) -> None:
    scenario = summary["broken-policy-dead-letters"]
    assert scenario["dead_lettered"] == 1
    assert scenario["executions_started"] == 0


def test_a_late_approval_of_an_older_version_deploys_nothing(
    summary: dict[str, dict[str, Any]],
) -> None:
    scenario = summary["late-old-approval"]
    assert scenario["deploys"] == ["1", "2"]
    assert "skipped-superseded" in scenario["decisions"]
