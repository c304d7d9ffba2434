"""The whole loop, in-process against moto, routed by the rules of the synthesized sandbox.

Reads the summaries of the session's one run of ``python -m tools.local_loop``
(tests/e2e/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.local_loop.scenarios import SCENARIOS


@pytest.fixture
def summary(loop_run: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return loop_run


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
