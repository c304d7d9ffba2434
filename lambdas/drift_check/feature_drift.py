"""Drift of one feature: its statistics, breaches and verdict, and its schema violations.

``drift_check.engine`` calls these for every feature of an accumulated window; the
statistics are defined in ``drift_check.statistics`` and the verdict thresholds in
``drift_check.thresholds``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from drift_check.accumulator import CategoricalWindow, NumericWindow
from drift_check.baseline import finite_or_none
from drift_check.report import FeatureDrift, SchemaViolation, Verdict
from drift_check.statistics import (
    binned_ks_statistic,
    binned_ks_tolerance,
    chi_square_homogeneity,
    jensen_shannon_distance,
    ks_two_sample_p_value,
    population_stability_index,
)
from drift_check.thresholds import Thresholds

_TOP_UNSEEN_IN_REPORT = 10


def _missing_rate(window: NumericWindow | CategoricalWindow, rows: int) -> float | None:
    return (window.missing + window.absent) / rows if rows else None


def _verdict(
    breaches: list[str], *, enough_rows: bool, compared: bool
) -> tuple[Verdict, tuple[str, ...]]:
    if not enough_rows:
        return "insufficient_data", ()
    if breaches:
        return "drift", tuple(breaches)
    return ("no_drift" if compared else "insufficient_data"), ()


def _common_breaches(
    window: NumericWindow | CategoricalWindow, rows: int, thresholds: Thresholds
) -> list[str]:
    breaches: list[str] = []
    missing_rate = _missing_rate(window, rows)
    if (
        thresholds.missing_rate_delta is not None
        and missing_rate is not None
        and abs(missing_rate - window.baseline.missing_rate) >= thresholds.missing_rate_delta
    ):
        breaches.append("missing_rate")
    if rows and window.absent == rows:
        breaches.append("missing_column")
    return breaches


def numeric_drift(
    window: NumericWindow, rows: int, thresholds: Thresholds, *, enough_rows: bool
) -> FeatureDrift:
    baseline = window.baseline
    breaches = _common_breaches(window, rows, thresholds)
    present_fields = window.count + window.mismatched
    mismatch_share = window.mismatched / present_fields if present_fields else None
    if (
        thresholds.type_mismatch_share is not None
        and mismatch_share is not None
        and mismatch_share >= thresholds.type_mismatch_share
    ):
        breaches.append("type_change")

    statistics: dict[str, float | int | None] = dict.fromkeys(
        ("psi", "js_distance", "ks_statistic", "ks_tolerance", "ks_p_value")
    )
    both_sides = baseline.count > 0 and window.count > 0
    if both_sides:
        expected = np.asarray(baseline.bin_counts)
        actual = window.slot_counts
        ks = binned_ks_statistic(expected, actual)
        statistics.update(
            psi=population_stability_index(expected, actual),
            js_distance=jensen_shannon_distance(expected, actual),
            ks_statistic=ks,
            ks_tolerance=binned_ks_tolerance(expected, actual),
            ks_p_value=ks_two_sample_p_value(ks, window.count, baseline.count),
        )
    compared = both_sides and window.count >= thresholds.min_rows
    if compared:
        breaches.extend(_distribution_breaches(statistics, thresholds, ks_gate=True))
    verdict, kept = _verdict(
        breaches, enough_rows=enough_rows, compared=compared or not _has_values(window)
    )
    return FeatureDrift(
        name=baseline.name,
        type="numeric",
        verdict=verdict,
        breaches=kept,
        values=window.count,
        missing_rate=_missing_rate(window, rows),
        baseline_missing_rate=baseline.missing_rate,
        absent=window.absent,
        statistics=statistics,
        window={
            "mean": finite_or_none(window.mean) if window.count else None,
            "std": finite_or_none(window.std),
            "min": finite_or_none(window.min) if window.count else None,
            "max": finite_or_none(window.max) if window.count else None,
            "type_mismatches": window.mismatched,
            "type_mismatch_share": mismatch_share,
        },
        baseline={
            "mean": baseline.mean,
            "std": baseline.std,
            "min": baseline.min,
            "max": baseline.max,
        },
    )


def _has_values(window: NumericWindow | CategoricalWindow) -> bool:
    return window.baseline.count > 0 or window.count > 0


def _distribution_breaches(
    statistics: Mapping[str, float | int | None], thresholds: Thresholds, *, ks_gate: bool
) -> list[str]:
    breaches: list[str] = []
    psi = statistics.get("psi")
    if thresholds.psi is not None and psi is not None and psi >= thresholds.psi:
        breaches.append("psi")
    js = statistics.get("js_distance")
    if thresholds.js is not None and js is not None and js >= thresholds.js:
        breaches.append("js")
    ks = statistics.get("ks_statistic")
    ks_p_value = statistics.get("ks_p_value")
    if (
        ks_gate
        and thresholds.ks is not None
        and ks is not None
        and ks >= thresholds.ks
        and (
            thresholds.ks_p_value is None
            or (ks_p_value is not None and ks_p_value < thresholds.ks_p_value)
        )
    ):
        breaches.append("ks")
    chi2_p_value = statistics.get("chi2_p_value")
    if (
        thresholds.chi2_p_value is not None
        and chi2_p_value is not None
        and chi2_p_value < thresholds.chi2_p_value
    ):
        breaches.append("chi2")
    return breaches


def categorical_drift(
    window: CategoricalWindow, rows: int, thresholds: Thresholds, *, enough_rows: bool
) -> FeatureDrift:
    baseline = window.baseline
    breaches = _common_breaches(window, rows, thresholds)
    statistics: dict[str, float | int | None] = dict.fromkeys(
        ("psi", "js_distance", "chi2_statistic", "chi2_dof", "chi2_p_value")
    )
    count = window.count
    unlisted_share = int(window.category_counts[-1]) / count if count else None
    baseline_other_share = baseline.other_count / baseline.count if baseline.count else 0.0
    both_sides = baseline.count > 0 and count > 0
    if both_sides:
        expected = np.asarray(baseline.category_counts)
        actual = window.category_counts
        chi2 = chi_square_homogeneity(expected, actual)
        statistics.update(
            psi=population_stability_index(expected, actual),
            js_distance=jensen_shannon_distance(expected, actual),
            chi2_statistic=chi2.statistic,
            chi2_dof=chi2.dof,
            chi2_p_value=chi2.p_value,
        )
    compared = both_sides and count >= thresholds.min_rows
    if compared:
        breaches.extend(_distribution_breaches(statistics, thresholds, ks_gate=False))
        if _unseen_excess_breached(unlisted_share, baseline_other_share, thresholds):
            breaches.append("unseen_categories")
    verdict, kept = _verdict(
        breaches, enough_rows=enough_rows, compared=compared or not _has_values(window)
    )
    top_unseen = sorted(window.unlisted.items(), key=lambda item: (-item[1], item[0]))
    return FeatureDrift(
        name=baseline.name,
        type="categorical",
        verdict=verdict,
        breaches=kept,
        values=count,
        missing_rate=_missing_rate(window, rows),
        baseline_missing_rate=baseline.missing_rate,
        absent=window.absent,
        statistics=statistics,
        window={
            "unlisted_share": unlisted_share,
            "top_unlisted": [
                {"value": value, "count": occurrences}
                for value, occurrences in top_unseen[:_TOP_UNSEEN_IN_REPORT]
            ],
            "untracked_unlisted": window.untracked_unlisted,
        },
        baseline={
            "distinct_count": baseline.distinct_count,
            "listed_categories": len(baseline.categories),
            "other_share": baseline_other_share,
        },
    )


def _unseen_excess_breached(
    unlisted_share: float | None, baseline_other_share: float, thresholds: Thresholds
) -> bool:
    return (
        thresholds.unseen_category_share is not None
        and unlisted_share is not None
        and unlisted_share - baseline_other_share >= thresholds.unseen_category_share
    )


def feature_violations(
    window: NumericWindow | CategoricalWindow, feature: FeatureDrift, rows: int
) -> list[SchemaViolation]:
    """Schema violations of one feature.

    A missing column is a fact at any window size; type and category violations
    follow their checks, and so need a window of ``min_rows`` rows.
    """
    name = window.baseline.name
    violations: list[SchemaViolation] = []
    if rows and window.absent == rows:
        violations.append(SchemaViolation("missing_column", name, f"absent from all {rows} rows"))
    if "type_change" in feature.breaches:
        share = feature.window["type_mismatch_share"]
        violations.append(
            SchemaViolation(
                "type_change",
                name,
                f"{feature.window['type_mismatches']} non-numeric values "
                f"({share:.1%} of present values)",
            )
        )
    if "unseen_categories" in feature.breaches:
        share = feature.window["unlisted_share"]
        other = feature.baseline["other_share"]
        examples = ", ".join(repr(item["value"]) for item in feature.window["top_unlisted"][:3])
        violations.append(
            SchemaViolation(
                "unseen_categories",
                name,
                f"{share:.1%} of values outside the baseline's categories "
                f"(baseline other: {other:.1%}); e.g. {examples}",
            )
        )
    return violations
