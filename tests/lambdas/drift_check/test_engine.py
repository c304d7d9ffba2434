"""Verdicts of the drift engine, each shown both ways: no drift, and drift."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from drift_check.baseline import Baseline, build_baseline
from drift_check.engine import compute_drift
from drift_check.report import DriftReport
from drift_check.thresholds import DEFAULT_THRESHOLDS, Thresholds

PLANS = np.array(["basic", "plus", "pro", "team"])
PLAN_SHARES = np.array([0.4, 0.3, 0.2, 0.1])


def sample(rng: np.random.Generator, rows: int, *, shift: float = 0.0) -> dict[str, Any]:
    """Rows of the reference distribution (``shift`` moves the mean of ``x`` in std units)."""
    return {
        "x": rng.normal(shift, 1.0, size=rows),
        "y": rng.gamma(2.0, 3.0, size=rows),
        "plan": rng.choice(PLANS, size=rows, p=PLAN_SHARES),
    }


def only(check: str, **extra: float | None) -> Thresholds:
    """Thresholds with every check off except ``check`` (at its default) and ``extra``."""
    off: dict[str, float | None] = {
        field.name: None for field in fields(Thresholds) if field.name != "min_rows"
    }
    off[check] = getattr(DEFAULT_THRESHOLDS, check)
    off.update(extra)
    return Thresholds.from_mapping(off)


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return build_baseline(sample(np.random.default_rng(100), 20_000))


def drift_of(
    baseline: Baseline,
    window: Mapping[str, object],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> DriftReport:
    return compute_drift(baseline, window, thresholds=thresholds)  # type: ignore[arg-type]


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


def with_missing(rng: np.random.Generator, share: float) -> dict[str, Any]:
    window = sample(rng, 5000)
    x = window["x"].copy()
    x[rng.random(x.size) < share] = np.nan
    window["x"] = x
    return window


def test_missing_rate_change_both_ways(baseline: Baseline) -> None:
    thresholds = only("missing_rate_delta")
    steady = drift_of(baseline, with_missing(np.random.default_rng(8), 0.01), thresholds)
    jumped = drift_of(baseline, with_missing(np.random.default_rng(8), 0.2), thresholds)
    assert steady.feature("x").verdict == "no_drift"
    assert jumped.feature("x").breaches == ("missing_rate",)
    assert jumped.feature("x").missing_rate_delta == pytest.approx(0.2, abs=0.02)


def test_missing_column_both_ways(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(9), 3000)
    present = drift_of(baseline, window)
    del window["y"]
    absent = drift_of(baseline, window)
    assert present.feature("y").verdict == "no_drift"
    y = absent.feature("y")
    assert y.verdict == "drift"
    assert set(y.breaches) == {"missing_rate", "missing_column"}
    assert [(v.kind, v.feature) for v in absent.schema_violations] == [("missing_column", "y")]
    assert absent.drift_score == pytest.approx(1 / 3)


def with_text_in_x(rng: np.random.Generator, share: float) -> dict[str, Any]:
    window = sample(rng, 4000)
    x: list[object] = window["x"].tolist()
    for index in np.flatnonzero(rng.random(len(x)) < share):
        x[index] = "n.a. (sensor off)"
    window["x"] = x
    return window


def test_type_change_both_ways(baseline: Baseline) -> None:
    thresholds = only("type_mismatch_share")
    few = drift_of(baseline, with_text_in_x(np.random.default_rng(10), 0.01), thresholds)
    many = drift_of(baseline, with_text_in_x(np.random.default_rng(10), 0.1), thresholds)
    assert few.feature("x").verdict == "no_drift"
    assert few.schema_violations == ()
    assert many.feature("x").breaches == ("type_change",)
    assert [(v.kind, v.feature) for v in many.schema_violations] == [("type_change", "x")]
    assert many.feature("x").window["type_mismatch_share"] == pytest.approx(0.1, abs=0.015)


def with_new_plan(rng: np.random.Generator, share: float) -> dict[str, Any]:
    window = sample(rng, 4000)
    plans = window["plan"].astype(object)
    plans[rng.random(plans.size) < share] = "enterprise"
    window["plan"] = plans
    return window


def test_unseen_categories_both_ways(baseline: Baseline) -> None:
    thresholds = only("unseen_category_share")
    rare = drift_of(baseline, with_new_plan(np.random.default_rng(11), 0.01), thresholds)
    common = drift_of(baseline, with_new_plan(np.random.default_rng(11), 0.12), thresholds)
    assert rare.feature("plan").verdict == "no_drift"
    plan = common.feature("plan")
    assert plan.breaches == ("unseen_categories",)
    assert plan.window["top_unlisted"][0]["value"] == "enterprise"
    assert [(v.kind, v.feature) for v in common.schema_violations] == [
        ("unseen_categories", "plan")
    ]


def test_unlisted_values_a_baseline_already_had_are_not_unseen() -> None:
    rng = np.random.default_rng(12)
    labels = np.array([f"city-{i}" for i in range(40)])
    trained = build_baseline({"city": rng.choice(labels, size=20_000)}, top_k=10)
    window = {"city": rng.choice(labels, size=5000)}
    city = drift_of(trained, window).feature("city")
    # About 75% of values fall outside the 10 listed cities, as in training.
    assert city.window["unlisted_share"] == pytest.approx(0.75, abs=0.03)
    assert city.verdict == "no_drift"


def test_new_column_is_a_schema_violation_but_not_a_drifted_feature(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(13), 2000)
    plain = drift_of(baseline, window)
    window["device"] = np.array(["ios"] * 2000)
    extended = drift_of(baseline, window)
    assert not plain.drift_detected
    assert extended.drift_score == 0.0
    assert extended.drift_detected
    assert [(v.kind, v.feature) for v in extended.schema_violations] == [("new_column", "device")]


def test_small_window_gets_no_verdict_and_no_score(baseline: Baseline) -> None:
    small = drift_of(baseline, sample(np.random.default_rng(14), 999, shift=3.0))
    enough = drift_of(baseline, sample(np.random.default_rng(14), 1000, shift=3.0))
    assert small.status == "insufficient_data"
    assert small.drift_score is None and not small.drift_detected
    assert {feature.verdict for feature in small.features} == {"insufficient_data"}
    assert small.feature("x").statistics["psi"] is not None  # still reported
    assert enough.status == "checked" and enough.feature("x").verdict == "drift"


def test_empty_window(baseline: Baseline) -> None:
    report = drift_of(baseline, {"x": [], "y": [], "plan": []})
    assert report.status == "empty_window"
    assert report.rows == 0 and report.drift_score is None
    assert report.schema_violations == ()


def test_mostly_missing_feature_is_judged_on_its_missing_rate_alone(baseline: Baseline) -> None:
    window = with_missing(np.random.default_rng(15), 0.9)
    x = drift_of(baseline, window).feature("x")
    assert x.values < DEFAULT_THRESHOLDS.min_rows
    assert x.breaches == ("missing_rate",)


def test_policy_override_tightens_a_line(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(16), 10_000, shift=0.25)
    loose = drift_of(baseline, window, only("psi"))
    tight = drift_of(baseline, window, only("psi", psi=0.03))
    assert loose.feature("x").verdict == "no_drift"
    assert tight.feature("x").breaches == ("psi",)


def test_extreme_values_do_not_break_the_report(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(18), 2000)
    window["x"][:20] = 1e200  # their squares overflow a float
    with np.errstate(over="ignore"):
        report = drift_of(baseline, window)
    x = report.feature("x")
    assert x.window["std"] is None
    assert x.window["max"] == 1e200
    assert (
        json.loads(json.dumps(report.to_dict(), allow_nan=False))["features"][0]["window"]["std"]
        is None
    )


def test_report_document_is_strict_json(baseline: Baseline) -> None:
    window = sample(np.random.default_rng(17), 2000)
    del window["y"]
    document = drift_of(baseline, window).to_dict()
    parsed = json.loads(json.dumps(document, allow_nan=False))
    assert parsed["drifted_features"] == ["y"]
    assert parsed["features"][1]["statistics"]["psi"] is None
    assert parsed["features"][0]["statistics"]["ks_tolerance"] <= 0.11
    assert parsed["thresholds"]["psi"] == 0.2
