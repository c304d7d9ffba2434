"""The whole loop with real parts: the seed code's pipeline builds a real model, drift retrains it.

Reads the trace of the two seed-code scenarios from the session's one run of
``python -m tools.local_loop`` (tests/e2e/conftest.py): each hop is printed as
it is checked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment

SCENARIOS = ("seed-code-full-loop", "seed-code-worse-model-rejected")


@pytest.fixture
def traces(loop_run: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The trace lines of each seed-code scenario, which must have passed."""
    assert {name: loop_run[name]["passed"] for name in SCENARIOS} == dict.fromkeys(SCENARIOS, True)
    return {name: loop_run[name]["trace"] for name in SCENARIOS}


def verdict(lines: list[str]) -> str:
    return next(line for line in lines if line.startswith("--- "))


def hops(lines: list[str]) -> list[str]:
    return [line.split("hop: ", 1)[1] for line in lines if line.startswith("  hop: ")]


def in_order(lines: list[str], *patterns: str) -> bool:
    remaining = iter(lines)
    return all(any(re.search(pattern, line) for line in remaining) for pattern in patterns)


def test_full_loop_passes_every_hop(traces: dict[str, list[str]]) -> None:
    lines = traces["seed-code-full-loop"]
    names = [hop.split(":")[0] for hop in hops(lines)]
    assert names == [
        "build 1 registered", "metric in the registry", "data version and trigger recorded",
        "drift baseline registered", "deploy started with the exact ARN", "data capture written",
        "drift computed", "drift computed", "drift alarm", "build 2 registered",
        "metric in the registry", "data version and trigger recorded", "drift baseline registered",
        "retrain after the alarm",
    ]  # fmt: skip
    assert all(hop.endswith(" ok") for hop in hops(lines)), hops(lines)
    assert verdict(lines).startswith("--- PASS | runs started 2, deploys ['1', '2']")


def test_full_loop_hops_follow_the_synthesized_rules(traces: dict[str, list[str]]) -> None:
    assert in_order(
        traces["seed-code-full-loop"],
        r"Object Created: s3://\S+/churn/2026/01/05/batch-001.csv",
        r"build \(seed code, trigger raw-data\)",
        r"RegisterModel: arn:aws:sagemaker:\S+:model-package/cd4ml-sandbox-churn/1$",
        r"RawDataRule -> retrain_trigger: retrain-started",
        r"PendingApprovalRule -> quality_gate: approved \(auc 0\.8\d+ meets the threshold 0\.75",
        r"AWS: deploy pipeline cd4ml-sandbox-churn-deploy started for cd4ml-sandbox-churn/1",
        r"schedule Churn/\S*DriftMonitor/CheckSchedule fires at 2026-01-05T09:05:00Z",
        r"DriftMonitor/CheckSchedule -> drift_check: checked, 1500 rows, drift score 0\.333",
        r"CloudWatch Alarm State Change: cd4ml-sandbox-churn-drift -> ALARM",
        r"build \(seed code, trigger drift-alarm\)",
        r"DriftAlarmRule -> retrain_trigger: retrain-started \(drift alarm cd4ml-sandbox-churn-drift",
        r"deploy pipeline cd4ml-sandbox-churn-deploy started for cd4ml-sandbox-churn/2",
    )


def test_full_loop_numbers_are_computed(traces: dict[str, list[str]]) -> None:
    lines = traces["seed-code-full-loop"]
    aucs = [
        float(m)
        for line in lines
        for m in re.findall(r"metric in the registry: auc=([0-9.]+)", line)
    ]
    assert len(aucs) == 2 and all(0.8 < auc < 0.95 for auc in aucs)
    drift = [line for line in lines if "hop: drift computed" in line]
    assert all(
        "score 0.333" in line
        and "['monthly_charges', 'total_charges']" in line
        and "1500 rows" in line
        for line in drift
    )
    [alarm] = [line for line in lines if "hop: drift alarm" in line]
    assert "periods (None, 0.333" in alarm and "2 breaching -> ALARM" in alarm
    train = next(line for line in lines if line.strip().startswith("Train: train.py"))
    assert "['--max-iter', '500', '--regularization', '1.0', '--seed', '42']" in train
    assert "sagemaker-scikit-learn:1.9-0-cpu-py3" in next(
        line for line in lines if "Preprocess: preprocess.py" in line
    )


def test_worse_model_is_rejected_and_the_team_told_why(traces: dict[str, list[str]]) -> None:
    lines = traces["seed-code-worse-model-rejected"]
    assert all(hop.endswith(" ok") for hop in hops(lines)), hops(lines)
    assert in_order(
        lines,
        r"quality_gate: approved",
        r"batch-002 has a quarter of its labels",
        r"AWS: notification 'CD4ML: churn model version 2 rejected by the quality gate'",
        r"quality_gate: rejected \(auc 0\.7\d+ does not beat the champion \(version 1, auc 0\.8\d+\)",
        r"hop: team told why: 'Model version 2 of project churn was rejected",
    )
    [worse] = [line for line in lines if "hop: worse than the champion" in line]
    better, worse_auc = (
        re.search(r"champion ([0-9.]+)", worse),
        re.search(r"auc ([0-9.]+) <", worse),
    )
    assert better and worse_auc and 0.75 < float(worse_auc.group(1)) < float(better.group(1))
    assert verdict(lines).startswith("--- PASS | runs started 3, deploys ['1'], notifications 1")


def test_shuffled_labels_are_held_back_by_the_pipeline(traces: dict[str, list[str]]) -> None:
    lines = traces["seed-code-worse-model-rejected"]
    assert in_order(
        lines,
        r"batch-003 has shuffled labels",
        r"CheckMetric: false",
        r"MetricBelowThreshold: model held back: auc = 0\.\d+ is below the project's minimum 0\.75",
        r"Execution Status Change: Failed",
        r"lease-released \(build run ended with status Failed",
    )
    held = next(line for line in lines if "MetricBelowThreshold: model held back" in line)
    value = re.search(r"auc = ([0-9.]+)", held)
    assert value and float(value.group(1)) < 0.75
    assert not any("model-package/cd4ml-sandbox-churn/3" in line for line in lines)


@pytest.mark.parametrize(("scores", "state"), [((0.1, 0.5, 0.1), "OK"), ((0.1, 0.5, 0.3), "ALARM")])
def test_the_synthesized_drift_alarm_needs_two_of_three_breaching_hours(
    sandbox: SynthesizedEnvironment, scores: tuple[float, ...], state: str
) -> None:
    import boto3
    from moto import mock_aws

    from tools.local_loop.drift_alarm import DriftAlarm

    alarm = DriftAlarm.from_assembly(sandbox.assembly, "cd4ml-sandbox-churn-drift")
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        alarm.create(cloudwatch)
        for hour, score in zip((8, 9, 10), scores, strict=True):
            cloudwatch.put_metric_data(
                Namespace="CD4ML/Drift",
                MetricData=[{
                    "MetricName": "DriftScore", "Value": score,
                    "Timestamp": datetime(2026, 1, 5, hour, 5, tzinfo=UTC),
                    "Dimensions": [{"Name": "Endpoint", "Value": "cd4ml-sandbox-churn-prod"},
                                   {"Name": "Project", "Value": "churn"}],
                }],
            )  # fmt: skip
        evaluation = alarm.evaluate(cloudwatch, until=datetime(2026, 1, 5, 10, 30, tzinfo=UTC))
        stored = cloudwatch.describe_alarms(AlarmNames=[alarm.name])["MetricAlarms"][0]
    assert evaluation.values == scores
    assert evaluation.state == state == stored["StateValue"]
