"""Windows of the drift engine tests: the reference distribution, one-check thresholds."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np

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


@functools.cache
def reference_baseline() -> Baseline:
    """The baseline of 20,000 rows of the reference distribution."""
    return build_baseline(sample(np.random.default_rng(100), 20_000))


def drift_of(
    baseline: Baseline,
    window: Mapping[str, object],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> DriftReport:
    return compute_drift(baseline, window, thresholds=thresholds)  # type: ignore[arg-type]
