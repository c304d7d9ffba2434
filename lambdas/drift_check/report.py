"""The drift report: per-feature statistics and verdicts, the drift score, the reasons.

``DriftReport.to_dict()`` is the JSON the scheduled check writes to S3 (the handler
adds the project, endpoint, window and baseline location around it). Fields:

``status``
    ``"checked"``; ``"empty_window"`` (no rows captured in the window); or
    ``"insufficient_data"`` (fewer rows than ``thresholds.min_rows``). Only a
    checked window has a drift score.
``rows``
    Rows of inference input read from the window.
``drift_score``
    Share of the baseline's features whose verdict is ``"drift"``, in [0, 1]; null
    unless ``status`` is ``"checked"``. It is the ``DriftScore`` metric an alarm
    watches (an alarm on ``>= 1 / number of features`` reacts to any drifted feature).
``drift_detected``
    True when the window was checked and a feature drifted or a column the
    baseline does not know appeared.
``drifted_features``
    Names of the features whose verdict is ``"drift"``.
``features``
    One entry per baseline feature, in input order: ``name``, ``type``,
    ``verdict`` (``"drift"``, ``"no_drift"`` or ``"insufficient_data"``),
    ``breaches`` (the checks that crossed their threshold, among ``psi``, ``ks``,
    ``js``, ``chi2``, ``missing_rate``, ``missing_column``, ``type_change``,
    ``unseen_categories``), ``statistics`` (``psi``, ``js_distance``, and for
    numeric features ``ks_statistic``, ``ks_tolerance`` (the exact KS statistic is
    at most this much above ``ks_statistic``) and ``ks_p_value``, for categorical
    features ``chi2_statistic``, ``chi2_dof`` and ``chi2_p_value``; null when one
    side has no values), ``missing`` (window and baseline rates, their difference,
    absent count), and ``window`` and ``baseline`` summaries (numeric: mean, std,
    min, max; categorical: share of unlisted values and the most frequent of them).
``schema_violations``
    ``{"kind", "feature", "detail"}`` with kind ``missing_column`` (a baseline
    feature absent from every row), ``new_column`` (a column the baseline does not
    have; positional extras are named ``column_<position>``), ``type_change``
    (non-numeric values in a numeric feature, share at or above
    ``type_mismatch_share``) or ``unseen_categories`` (unlisted share above the
    baseline's own by ``unseen_category_share`` or more).
``thresholds``
    The thresholds used (defaults merged with the policy's overrides).
``capture``
    When read from data capture: ``objects``, ``lines``, ``records``,
    ``malformed_records`` and ``malformed_examples`` (the first few, each with
    ``source``, ``line`` and ``reason``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from drift_check.baseline import FeatureType
from drift_check.thresholds import Thresholds

REPORT_VERSION: Final = 1

Verdict = Literal["drift", "no_drift", "insufficient_data"]
Status = Literal["checked", "empty_window", "insufficient_data"]


@dataclass(frozen=True)
class FeatureDrift:
    """Statistics and verdict of one feature."""

    name: str
    type: FeatureType
    verdict: Verdict
    breaches: tuple[str, ...]
    values: int
    missing_rate: float | None
    baseline_missing_rate: float
    absent: int
    statistics: dict[str, float | int | None]
    window: dict[str, Any]
    baseline: dict[str, Any]

    @property
    def missing_rate_delta(self) -> float | None:
        """Window missing rate minus baseline missing rate."""
        if self.missing_rate is None:
            return None
        return self.missing_rate - self.baseline_missing_rate

    def to_dict(self) -> dict[str, Any]:
        """The feature's entry in the report."""
        return {
            "name": self.name,
            "type": self.type,
            "verdict": self.verdict,
            "breaches": list(self.breaches),
            "statistics": dict(self.statistics),
            "missing": {
                "window_rate": self.missing_rate,
                "baseline_rate": self.baseline_missing_rate,
                "delta": self.missing_rate_delta,
                "absent": self.absent,
            },
            "window": {"values": self.values, **self.window},
            "baseline": dict(self.baseline),
        }


@dataclass(frozen=True)
class SchemaViolation:
    """A difference between the window's columns and the baseline's schema."""

    kind: Literal["missing_column", "new_column", "type_change", "unseen_categories"]
    feature: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """The violation's entry in the report."""
        return {"kind": self.kind, "feature": self.feature, "detail": self.detail}


@dataclass(frozen=True)
class MalformedRecord:
    """A capture line that was skipped, and why."""

    source: str
    line: int
    reason: str

    def to_dict(self) -> dict[str, str | int]:
        """The example's entry in the report."""
        return {"source": self.source, "line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class CaptureSummary:
    """What was read from data capture."""

    objects: int
    lines: int
    records: int
    malformed_records: int
    malformed_examples: tuple[MalformedRecord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The capture section of the report."""
        return {
            "objects": self.objects,
            "lines": self.lines,
            "records": self.records,
            "malformed_records": self.malformed_records,
            "malformed_examples": [example.to_dict() for example in self.malformed_examples],
        }


@dataclass(frozen=True)
class DriftReport:
    """Drift of one window of inference inputs against a baseline."""

    status: Status
    rows: int
    drift_score: float | None
    features: tuple[FeatureDrift, ...]
    schema_violations: tuple[SchemaViolation, ...]
    thresholds: Thresholds
    baseline_rows: int
    capture: CaptureSummary | None = field(default=None)

    @property
    def drifted_features(self) -> tuple[str, ...]:
        """Names of the features whose verdict is drift."""
        return tuple(feature.name for feature in self.features if feature.verdict == "drift")

    @property
    def drift_detected(self) -> bool:
        """True when a checked window has a drifted feature or a new column."""
        if self.status != "checked":
            return False
        return bool(self.drifted_features) or any(
            violation.kind == "new_column" for violation in self.schema_violations
        )

    @property
    def malformed_records(self) -> int:
        """Capture lines skipped as malformed (0 when not read from capture)."""
        return self.capture.malformed_records if self.capture else 0

    def feature(self, name: str) -> FeatureDrift:
        """The entry of feature ``name``."""
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready object (see the module docstring)."""
        document: dict[str, Any] = {
            "report_version": REPORT_VERSION,
            "status": self.status,
            "rows": self.rows,
            "baseline_rows": self.baseline_rows,
            "drift_score": self.drift_score,
            "drift_detected": self.drift_detected,
            "drifted_features": list(self.drifted_features),
            "schema_violations": [violation.to_dict() for violation in self.schema_violations],
            "thresholds": self.thresholds.to_dict(),
            "features": [feature.to_dict() for feature in self.features],
        }
        if self.capture is not None:
            document["capture"] = self.capture.to_dict()
        return document
