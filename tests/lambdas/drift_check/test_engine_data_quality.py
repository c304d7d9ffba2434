"""Data-quality verdicts of the drift engine, both ways, and the report at its edges."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from drift_check.baseline import Baseline, build_baseline
from drift_check.thresholds import DEFAULT_THRESHOLDS

from .engine_windows import drift_of, only, reference_baseline, sample


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return reference_baseline()


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
