"""Drift statistics computed from counts: numpy and ``math`` only, no scipy.

Every function takes the baseline's counts and the window's counts over the same
bins (numeric features: the baseline's quantile bins; categorical features: the
baseline's listed categories plus one bucket for all others).

* Population stability index: ``PSI = sum_i (q_i - p_i) * ln(q_i / p_i)`` where ``p``
  and ``q`` are the baseline and window proportions, each floored at
  ``PSI_EPSILON`` (1e-4) so an empty bin contributes a large but finite term.
  Reading: below 0.1 no significant change, 0.1 to 0.2 moderate, 0.2 and above
  significant.
* Jensen-Shannon distance: the square root of the Jensen-Shannon divergence in
  base 2, in [0, 1] (0: same distribution, 1: disjoint supports). Same value as
  ``scipy.spatial.distance.jensenshannon(p, q, base=2)``.
* Kolmogorov-Smirnov statistic from binned CDFs: ``max_j |P_j - Q_j|`` over the bin
  boundaries, where ``P_j`` and ``Q_j`` are the cumulative proportions. Exactly the
  empirical CDF difference at each boundary, so it never exceeds the exact
  two-sample statistic ``D``; inside one bin the difference can grow by at most the
  smaller of the two proportions of that bin, hence
  ``binned <= D <= binned + max_j min(p_j, q_j)``
  (:func:`binned_ks_tolerance`), which is bounded by the largest baseline bin mass
  (about 1/bins for quantile bins: 0.1 with the default 10 bins).
* KS p-value: the asymptotic Kolmogorov distribution with Stephens' small-sample
  correction, ``lambda = (sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) * D`` with
  ``ne = n * m / (n + m)``. Fed with the binned statistic (a lower bound of ``D``)
  it is conservative: it can only overstate the p-value.
* Chi-square test of homogeneity on the 2 x k table of baseline and window counts
  (columns empty on both sides dropped), with Yates' continuity correction when
  there is one degree of freedom, like ``scipy.stats.chi2_contingency``. The
  p-value is the regularized upper incomplete gamma function ``Q(dof / 2, x / 2)``,
  computed by its series or its continued fraction (Numerical Recipes, 6.2).
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

PSI_EPSILON: Final = 1e-4
_GAMMA_EPSILON: Final = 1e-15
_GAMMA_TINY: Final = 1e-300
_GAMMA_MAX_ITERATIONS: Final = 100_000


class ChiSquareResult(NamedTuple):
    """Outcome of a chi-square test of homogeneity."""

    statistic: float
    dof: int
    p_value: float


def proportions(counts: ArrayLike) -> np.ndarray:
    """Counts as proportions of their total (all zeros when the total is zero)."""
    values = np.asarray(counts, dtype=np.float64)
    total = values.sum()
    if total <= 0:
        return np.zeros_like(values)
    return values / total


def population_stability_index(
    baseline_counts: ArrayLike, window_counts: ArrayLike, *, epsilon: float = PSI_EPSILON
) -> float:
    """PSI of the window against the baseline over the same bins."""
    expected = np.maximum(proportions(baseline_counts), epsilon)
    actual = np.maximum(proportions(window_counts), epsilon)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def jensen_shannon_distance(baseline_counts: ArrayLike, window_counts: ArrayLike) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two binned distributions."""
    p = proportions(baseline_counts)
    q = proportions(window_counts)
    m = (p + q) / 2.0
    divergence = 0.5 * (_kullback_leibler_bits(p, m) + _kullback_leibler_bits(q, m))
    return math.sqrt(min(max(divergence, 0.0), 1.0))


def _kullback_leibler_bits(p: np.ndarray, m: np.ndarray) -> float:
    support = p > 0
    return float(np.sum(p[support] * np.log2(p[support] / m[support])))


def binned_ks_statistic(baseline_counts: ArrayLike, window_counts: ArrayLike) -> float:
    """Largest difference of the two cumulative distributions at the bin boundaries."""
    baseline_cdf = np.cumsum(proportions(baseline_counts))
    window_cdf = np.cumsum(proportions(window_counts))
    return float(np.max(np.abs(baseline_cdf - window_cdf), initial=0.0))


def binned_ks_tolerance(baseline_counts: ArrayLike, window_counts: ArrayLike) -> float:
    """How far the exact KS statistic can lie above the binned one.

    ``max_j min(p_j, q_j)``; at most the largest baseline bin proportion.
    """
    smaller = np.minimum(proportions(baseline_counts), proportions(window_counts))
    return float(np.max(smaller, initial=0.0))


def kolmogorov_survival(value: float) -> float:
    """``P(K > value)`` for the Kolmogorov distribution (``scipy.stats.kstwobign.sf``)."""
    if value <= 0.0:
        return 1.0
    if value < 1.18:
        # Jacobi theta form of the CDF: fast convergence for small values.
        y = math.exp(-(math.pi**2) / (8.0 * value * value))
        total = 0.0
        for k in range(1, 50):
            term = y ** ((2 * k - 1) ** 2)
            total += term
            if term < 1e-17 * total:
                break
        cdf = math.sqrt(2.0 * math.pi) / value * total
        return min(max(1.0 - cdf, 0.0), 1.0)
    x = math.exp(-2.0 * value * value)
    total = 0.0
    sign = 1.0
    for k in range(1, 50):
        term = x ** (k * k)
        total += sign * term
        if term < 1e-17 * abs(total):
            break
        sign = -sign
    return min(max(2.0 * total, 0.0), 1.0)


def ks_two_sample_p_value(statistic: float, n: int, m: int) -> float:
    """Asymptotic p-value of a two-sample KS statistic for sample sizes ``n`` and ``m``."""
    if n <= 0 or m <= 0:
        return 1.0
    effective = n * m / (n + m)
    root = math.sqrt(effective)
    return kolmogorov_survival((root + 0.12 + 0.11 / root) * statistic)


def regularized_upper_gamma(a: float, x: float) -> float:
    """``Q(a, x) = Gamma(a, x) / Gamma(a)``, the regularized upper incomplete gamma."""
    if a <= 0:
        raise ValueError(f"a must be positive, got {a}")
    if x < 0:
        raise ValueError(f"x must not be negative, got {x}")
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1.0:
        return min(max(1.0 - _lower_gamma_series(a, x), 0.0), 1.0)
    return min(max(_upper_gamma_continued_fraction(a, x), 0.0), 1.0)


def _gamma_prefactor(a: float, x: float) -> float:
    return math.exp(-x + a * math.log(x) - math.lgamma(a))


def _lower_gamma_series(a: float, x: float) -> float:
    term = 1.0 / a
    total = term
    denominator = a
    for _ in range(_GAMMA_MAX_ITERATIONS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _GAMMA_EPSILON:
            return total * _gamma_prefactor(a, x)
    raise ArithmeticError(f"incomplete gamma series did not converge for a={a}, x={x}")


def _upper_gamma_continued_fraction(a: float, x: float) -> float:
    # Modified Lentz's method on Legendre's continued fraction.
    b = x + 1.0 - a
    c = 1.0 / _GAMMA_TINY
    d = 1.0 / b
    h = d
    for i in range(1, _GAMMA_MAX_ITERATIONS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _GAMMA_TINY:
            d = _GAMMA_TINY
        c = b + an / c
        if abs(c) < _GAMMA_TINY:
            c = _GAMMA_TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _GAMMA_EPSILON:
            return _gamma_prefactor(a, x) * h
    raise ArithmeticError(f"incomplete gamma fraction did not converge for a={a}, x={x}")


def chi_square_survival(statistic: float, dof: int) -> float:
    """``P(X > statistic)`` for a chi-square variable with ``dof`` degrees of freedom."""
    if dof <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {dof}")
    if statistic <= 0:
        return 1.0
    return regularized_upper_gamma(dof / 2.0, statistic / 2.0)


def chi_square_homogeneity(baseline_counts: ArrayLike, window_counts: ArrayLike) -> ChiSquareResult:
    """Chi-square test that baseline and window counts come from one distribution."""
    observed = np.vstack(
        [np.asarray(baseline_counts, dtype=np.float64), np.asarray(window_counts, dtype=np.float64)]
    )
    observed = observed[:, observed.sum(axis=0) > 0]
    row_totals = observed.sum(axis=1)
    if observed.shape[1] < 2 or np.any(row_totals <= 0):
        return ChiSquareResult(0.0, 0, 1.0)
    expected = np.outer(row_totals, observed.sum(axis=0)) / observed.sum()
    dof = observed.shape[1] - 1
    if dof == 1:
        difference = expected - observed
        observed = observed + np.sign(difference) * np.minimum(0.5, np.abs(difference))
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return ChiSquareResult(statistic, dof, chi_square_survival(statistic, dof))
