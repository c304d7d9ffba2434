"""The drift statistics against hand computations and scipy (scipy only here, in tests)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats
from scipy.spatial import distance

from drift_check.baseline import build_baseline
from drift_check.engine import compute_drift
from drift_check.statistics import (
    binned_ks_statistic,
    binned_ks_tolerance,
    chi_square_homogeneity,
    chi_square_survival,
    jensen_shannon_distance,
    kolmogorov_survival,
    ks_two_sample_p_value,
    population_stability_index,
    regularized_upper_gamma,
)


def test_psi_matches_a_hand_computed_value() -> None:
    baseline = [50, 30, 20]
    window = [40, 30, 30]
    # (0.4-0.5)ln(0.4/0.5) + 0 + (0.3-0.2)ln(0.3/0.2)
    expected = -0.1 * math.log(0.8) + 0.1 * math.log(1.5)
    assert expected == pytest.approx(0.0628609, abs=1e-7)
    assert population_stability_index(baseline, window) == pytest.approx(expected, rel=1e-12)


def test_psi_floors_an_empty_bin_at_epsilon() -> None:
    # Window mass 0.1 in a bin the baseline never saw: (0.1 - 1e-4) * ln(0.1 / 1e-4) + ...
    value = population_stability_index([100, 0], [90, 10])
    expected = (0.9 - 1.0) * math.log(0.9 / 1.0) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert value == pytest.approx(expected, rel=1e-12)


def test_psi_is_zero_for_identical_proportions_and_symmetric() -> None:
    assert population_stability_index([10, 20, 30], [20, 40, 60]) == pytest.approx(0.0, abs=1e-15)
    assert population_stability_index([5, 3, 2], [2, 3, 5]) == pytest.approx(
        population_stability_index([2, 3, 5], [5, 3, 2]), rel=1e-12
    )


@pytest.mark.parametrize(
    ("p", "q"),
    [([1, 2, 3, 4], [4, 3, 2, 1]), ([10, 0, 5], [0, 10, 5]), ([1, 0], [0, 1]), ([3, 3], [3, 3])],
)
def test_js_distance_matches_scipy(p: list[int], q: list[int]) -> None:
    assert jensen_shannon_distance(p, q) == pytest.approx(
        distance.jensenshannon(p, q, base=2), abs=1e-12
    )


def test_js_distance_of_disjoint_supports_is_one() -> None:
    assert jensen_shannon_distance([5, 0], [0, 7]) == pytest.approx(1.0)


@pytest.mark.parametrize(("a", "x"), [(0.5, 0.1), (1.0, 1.0), (2.5, 10.0), (5.0, 3.0), (50, 80)])
def test_regularized_upper_gamma_matches_scipy(a: float, x: float) -> None:
    assert regularized_upper_gamma(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-10)


@pytest.mark.parametrize("dof", [1, 2, 3, 7, 10, 20, 99])
@pytest.mark.parametrize("statistic", [0.001, 0.5, 1.0, 3.84, 11.07, 30.0, 150.0, 700.0])
def test_chi_square_survival_matches_scipy(dof: int, statistic: float) -> None:
    expected = stats.chi2.sf(statistic, dof)
    assert chi_square_survival(statistic, dof) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_chi_square_survival_edge_values() -> None:
    assert chi_square_survival(0.0, 3) == 1.0
    assert chi_square_survival(1e6, 3) == 0.0
    with pytest.raises(ValueError, match="degrees of freedom"):
        chi_square_survival(1.0, 0)


@pytest.mark.parametrize(
    ("baseline", "window"),
    [
        ([500, 300, 200], [480, 310, 210]),  # no drift
        ([500, 300, 200], [300, 300, 400]),  # drift
        ([900, 100], [850, 150]),  # one degree of freedom: Yates' correction
        ([40, 30, 0, 30], [35, 30, 5, 30]),  # a category only the window has
        ([10, 0, 5], [7, 0, 9]),  # a column empty on both sides is dropped
    ],
)
def test_chi_square_homogeneity_matches_scipy(baseline: list[int], window: list[int]) -> None:
    table = np.array([baseline, window])
    table = table[:, table.sum(axis=0) > 0]
    expected = stats.chi2_contingency(table)
    result = chi_square_homogeneity(baseline, window)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-10)
    assert result.dof == expected.dof
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_chi_square_homogeneity_of_a_single_category_has_nothing_to_test() -> None:
    assert chi_square_homogeneity([10, 0], [20, 0]) == (0.0, 0, 1.0)


@pytest.mark.parametrize("value", [0.05, 0.3, 0.6, 1.0, 1.17, 1.19, 1.5, 2.0, 3.0])
def test_kolmogorov_survival_matches_scipy(value: float) -> None:
    assert kolmogorov_survival(value) == pytest.approx(stats.kstwobign.sf(value), rel=1e-9)


def test_ks_p_value_matches_scipy_asymptotic_for_large_samples() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=4000)
    b = rng.normal(0.05, size=5000)
    reference = stats.ks_2samp(a, b, method="asymp")
    ours = ks_two_sample_p_value(reference.statistic, a.size, b.size)
    # Stephens' correction differs from scipy's asymptotic formula in the third digit.
    assert ours == pytest.approx(reference.pvalue, rel=0.1)


@pytest.mark.parametrize(
    ("shift", "scale", "bins", "size"),
    [(0.0, 1.0, 10, 3000), (0.25, 1.0, 10, 10_000), (0.5, 1.5, 10, 5000), (0.1, 1.0, 50, 20_000)],
)
def test_binned_ks_is_within_its_documented_tolerance_of_scipy(
    shift: float, scale: float, bins: int, size: int
) -> None:
    rng = np.random.default_rng(11)
    training = rng.normal(size=size)
    window = rng.normal(shift, scale, size=size)
    baseline = build_baseline({"x": training}, bins=bins)
    feature = compute_drift(baseline, {"x": window}).feature("x")
    binned = feature.statistics["ks_statistic"]
    tolerance = feature.statistics["ks_tolerance"]
    assert binned is not None and tolerance is not None
    exact = stats.ks_2samp(training, window).statistic
    assert binned <= exact + 1e-12
    assert exact <= binned + tolerance
    # The tolerance is bounded by the largest baseline bin mass: about 1 / bins.
    assert tolerance <= 1.0 / bins + 1e-3


def test_binned_ks_of_shifted_data_is_close_to_scipy_at_the_default_bins() -> None:
    # For a location shift the largest CDF gap sits near the median, a bin edge.
    rng = np.random.default_rng(5)
    training = rng.normal(size=20_000)
    window = rng.normal(0.25, size=20_000)
    feature = compute_drift(build_baseline({"x": training}), {"x": window}).feature("x")
    exact = stats.ks_2samp(training, window).statistic
    assert feature.statistics["ks_statistic"] == pytest.approx(exact, abs=0.01)


def test_binned_ks_statistic_and_tolerance_by_hand() -> None:
    # CDFs: baseline 0.5, 0.8, 1.0; window 0.2, 0.6, 1.0 -> max gap 0.3.
    assert binned_ks_statistic([5, 3, 2], [2, 4, 4]) == pytest.approx(0.3)
    # min per bin: 0.2, 0.3, 0.2 -> 0.3.
    assert binned_ks_tolerance([5, 3, 2], [2, 4, 4]) == pytest.approx(0.3)
