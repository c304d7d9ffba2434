"""The drift engine: from baseline and window counts to a drift report.

Entry points:

* :func:`compute_drift` for a window held in memory (columns by feature name);
* :func:`check_capture` for data capture streams (S3 bodies or local files), read
  line by line with memory bounded by the batch size, not by the window;
* :func:`evaluate_drift` for an accumulator filled by other means.

Per feature, with ``p`` the baseline's and ``q`` the window's counts over the same
bins (``drift_check.statistics`` defines each statistic):

* numeric: PSI, Jensen-Shannon distance and the Kolmogorov-Smirnov statistic over
  the baseline's quantile bins. The KS statistic comes from the binned CDFs: it is
  exact at every bin boundary and lies below the exact two-sample statistic by at
  most ``ks_tolerance = max_j min(p_j, q_j)``, itself at most the largest baseline
  bin mass (about 0.1 with the default 10 bins; more bins, tighter bound);
* categorical: PSI, Jensen-Shannon distance and the chi-square homogeneity p-value
  over the baseline's listed categories plus one bucket for all other labels;
* both: missing-rate change; schema violations (missing column, new column, type
  change, unseen category share).

Verdicts follow ``drift_check.thresholds``; the drift score is the share of features
whose verdict is drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from drift_check.accumulator import DriftAccumulator, NumericWindow
from drift_check.baseline import Baseline
from drift_check.capture import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_CHUNK_BYTES,
    CaptureReader,
    SupportsRead,
)
from drift_check.feature_drift import categorical_drift, feature_violations, numeric_drift
from drift_check.report import (
    CaptureSummary,
    DriftReport,
    FeatureDrift,
    SchemaViolation,
    Status,
)
from drift_check.thresholds import DEFAULT_THRESHOLDS, Thresholds


def compute_drift(
    baseline: Baseline,
    columns: Mapping[str, Sequence[object] | np.ndarray],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> DriftReport:
    """Drift of a window held in memory, given as columns by feature name."""
    accumulator = DriftAccumulator(baseline)
    accumulator.add_columns(columns)
    return evaluate_drift(accumulator, thresholds=thresholds)


def check_capture(
    baseline: Baseline,
    streams: Iterable[tuple[str, SupportsRead]],
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> DriftReport:
    """Drift of the inference inputs in data capture streams.

    Args:
        baseline: the model's baseline.
        streams: ``(source, body)`` pairs, read one after the other; ``source`` names
            the object in malformed-record examples.
        thresholds: verdict thresholds (defaults: ``DEFAULT_THRESHOLDS``).
        batch_rows: rows parsed before they are counted (bounds memory).
        chunk_bytes: bytes read from a stream at a time.
    """
    accumulator = DriftAccumulator(baseline)
    reader = CaptureReader(accumulator, batch_rows=batch_rows, chunk_bytes=chunk_bytes)
    for source, body in streams:
        reader.read(body, source)
    reader.flush()
    return evaluate_drift(accumulator, thresholds=thresholds, capture=reader.summary())


def evaluate_drift(
    accumulator: DriftAccumulator,
    *,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    capture: CaptureSummary | None = None,
) -> DriftReport:
    """Statistics, verdicts and drift score of an accumulated window."""
    rows = accumulator.rows
    enough_rows = rows >= thresholds.min_rows
    features: list[FeatureDrift] = []
    violations: list[SchemaViolation] = []
    for window in accumulator.windows:
        if isinstance(window, NumericWindow):
            feature = numeric_drift(window, rows, thresholds, enough_rows=enough_rows)
        else:
            feature = categorical_drift(window, rows, thresholds, enough_rows=enough_rows)
        features.append(feature)
        violations.extend(feature_violations(window, feature, rows))
    for name, occurrences in accumulator.new_columns.items():
        violations.append(
            SchemaViolation("new_column", name, f"present in {occurrences} of {rows} rows")
        )
    if accumulator.untracked_new_columns:
        violations.append(
            SchemaViolation(
                "new_column",
                "(untracked)",
                f"{accumulator.untracked_new_columns} more values in columns past the first "
                f"{len(accumulator.new_columns)} new ones",
            )
        )
    status: Status
    if rows == 0:
        status = "empty_window"
    elif not enough_rows:
        status = "insufficient_data"
    else:
        status = "checked"
    drifted = sum(feature.verdict == "drift" for feature in features)
    return DriftReport(
        status=status,
        rows=rows,
        drift_score=drifted / len(features) if status == "checked" and features else None,
        features=tuple(features),
        schema_violations=tuple(violations),
        thresholds=thresholds,
        baseline_rows=accumulator.baseline.row_count,
        capture=capture,
    )
