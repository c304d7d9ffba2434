"""Distribution verdicts of the drift engine, each shown both ways: no drift, and drift."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from drift_check.baseline import Baseline, build_baseline
from drift_check.engine import compute_drift
from drift_check.thresholds import DEFAULT_THRESHOLDS, Thresholds

from .engine_windows import PLAN_SHARES, PLANS, drift_of, only, reference_baseline, sample


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return reference_baseline()


def test_identical_distribution_gives_no_drift(baseline: Baseline) -> None:
    report = drift_of(baseline, sample(np.random.default_rng(1), 10_000))
    assert report.status == "checked"
    assert report.drift_score == 0.0
    assert not report.drift_detected
    assert [feature.verdict for feature in report.features] == ["no_drift"] * 3
    assert report.schema_violations == ()


def test_false_alarms_stay_under_one_percent_over_500_trials() -> None:
    rng = np.random.default_rng(2024)
    alarms = 0
    for _ in range(500):
        trial_baseline = build_baseline(
            {
                "a": rng.normal(size=3000),
                "b": rng.exponential(size=3000),
                "c": rng.uniform(size=3000),
                "plan": rng.choice(PLANS, size=3000, p=PLAN_SHARES),
                "region": rng.choice(["eu", "us", "apac"], size=3000, p=[0.5, 0.3, 0.2]),
            }
        )
        window = {
            "a": rng.normal(size=2000),
            "b": rng.exponential(size=2000),
            "c": rng.uniform(size=2000),
            "plan": rng.choice(PLANS, size=2000, p=PLAN_SHARES),
            "region": rng.choice(["eu", "us", "apac"], size=2000, p=[0.5, 0.3, 0.2]),
        }
        alarms += compute_drift(trial_baseline, window).drift_detected
    assert alarms <= 5


def test_quarter_standard_deviation_shift_on_10000_rows_is_detected(baseline: Baseline) -> None:
    report = drift_of(baseline, sample(np.random.default_rng(3), 10_000, shift=0.25))
    x = report.feature("x")
    assert x.verdict == "drift"
    assert "ks" in x.breaches
    assert x.statistics["ks_statistic"] == pytest.approx(0.099, abs=0.015)
    assert report.feature("y").verdict == "no_drift"
    assert report.feature("plan").verdict == "no_drift"
    assert report.drifted_features == ("x",)
    assert report.drift_score == pytest.approx(1 / 3)
    assert report.drift_detected


def test_psi_of_a_window_matches_the_hand_computed_value() -> None:
    hand_baseline = build_baseline({"x": np.arange(1, 101, dtype=float)}, bins=4)
    # Baseline bins hold 25% each; the window puts 40%, 30%, 20%, 10% in them.
    window = np.repeat([10.0, 30.0, 60.0, 80.0], [40, 30, 20, 10])
    psi = drift_of(hand_baseline, {"x": window}, Thresholds(min_rows=1)).feature("x")
    # 0.15 ln 1.6 + 0.05 ln 1.2 + (-0.05) ln 0.8 + (-0.15) ln 0.4; the empty outer bins add 0.
    assert psi.statistics["psi"] == pytest.approx(0.2282175, abs=1e-7)


@pytest.mark.parametrize(
    ("check", "feature", "shift", "breach"),
    [
        ("psi", "x", 1.0, "psi"),
        ("js", "x", 1.0, "js"),
        ("ks", "x", 0.25, "ks"),
    ],
)
def test_numeric_distribution_checks_both_ways(
    baseline: Baseline, check: str, feature: str, shift: float, breach: str
) -> None:
    thresholds = only(check, ks_p_value=DEFAULT_THRESHOLDS.ks_p_value)
    same = drift_of(baseline, sample(np.random.default_rng(4), 10_000), thresholds).feature(feature)
    moved = drift_of(
        baseline, sample(np.random.default_rng(4), 10_000, shift=shift), thresholds
    ).feature(feature)
    assert same.verdict == "no_drift" and same.breaches == ()
    assert moved.verdict == "drift" and moved.breaches == (breach,)


def test_ks_statistic_counts_only_when_its_p_value_is_small(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(5), 1500)
    gated = drift_of(baseline, window, only("ks", ks=0.005, ks_p_value=0.001)).feature("x")
    ungated = drift_of(baseline, window, only("ks", ks=0.005, ks_p_value=None)).feature("x")
    statistic = gated.statistics["ks_statistic"]
    assert statistic is not None and statistic >= 0.005
    assert gated.statistics["ks_p_value"] is not None and gated.statistics["ks_p_value"] > 0.001
    assert gated.verdict == "no_drift"
    assert ungated.verdict == "drift" and ungated.breaches == ("ks",)


def shifted_plans(rng: np.random.Generator, rows: int, shares: list[float]) -> dict[str, Any]:
    window = sample(rng, rows)
    window["plan"] = rng.choice(PLANS, size=rows, p=shares)
    return window


@pytest.mark.parametrize(
    ("check", "shares", "breach"),
    [
        ("chi2_p_value", [0.36, 0.3, 0.22, 0.12], "chi2"),
        ("psi", [0.1, 0.2, 0.3, 0.4], "psi"),
        ("js", [0.1, 0.2, 0.3, 0.4], "js"),
    ],
)
def test_categorical_distribution_checks_both_ways(
    baseline: Baseline, check: str, shares: list[float], breach: str
) -> None:
    same = drift_of(
        baseline, shifted_plans(np.random.default_rng(6), 5000, list(PLAN_SHARES)), only(check)
    ).feature("plan")
    moved = drift_of(
        baseline, shifted_plans(np.random.default_rng(6), 5000, shares), only(check)
    ).feature("plan")
    assert same.verdict == "no_drift"
    assert moved.verdict == "drift" and moved.breaches == (breach,)


def test_small_categorical_change_is_caught_by_chi_square_only(baseline: Baseline) -> None:
    plan = drift_of(
        baseline, shifted_plans(np.random.default_rng(7), 10_000, [0.36, 0.3, 0.22, 0.12])
    ).feature("plan")
    assert plan.breaches == ("chi2",)
    assert plan.statistics["chi2_p_value"] is not None and plan.statistics["chi2_p_value"] < 1e-6
    assert plan.statistics["psi"] is not None and plan.statistics["psi"] < 0.1
