"""The window's running counts: memory bounded, whatever the number of rows.

A :class:`DriftAccumulator` keeps, per baseline feature:

* numeric: counts over the baseline's bin slots, the count, mean, sum of squared
  deviations (merged batch by batch, Chan et al.), minimum and maximum of the
  values, and the counts of missing, absent and non-numeric values;
* categorical: counts of the baseline's listed categories and of all other labels
  together, the counts of up to ``max_unseen_categories`` distinct unlisted labels
  (labels past the cap are counted, not named), and missing and absent counts;

and, for the whole window, the row count and the columns the baseline does not
know (up to ``max_new_columns`` names). Rows come in batches: columns held in memory
(:meth:`DriftAccumulator.add_columns`), positional rows such as CSV lines
(:meth:`DriftAccumulator.add_positional_rows`) or named rows such as JSON objects
(:meth:`DriftAccumulator.add_named_rows`). A batch is converted and binned with
numpy; nothing of it is kept once counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from drift_check.baseline import (
    Baseline,
    CategoricalFeatureBaseline,
    NumericFeatureBaseline,
    bin_cuts,
)
from drift_check.feature_values import (
    ABSENT,
    CategoryCounts,
    NumericColumn,
    count_categories,
    read_numeric,
)

DEFAULT_MAX_UNSEEN_CATEGORIES: Final = 100
DEFAULT_MAX_NEW_COLUMNS: Final = 50


class NumericWindow:
    """Running counts of one numeric feature over the window."""

    def __init__(self, baseline: NumericFeatureBaseline) -> None:
        self.baseline = baseline
        self._cuts = bin_cuts(baseline.bin_edges) if baseline.bin_edges else None
        self.slot_counts = np.zeros(max(len(baseline.bin_counts), 1), dtype=np.int64)
        self.missing = 0
        self.absent = 0
        self.mismatched = 0
        self.count = 0
        self.mean = 0.0
        self.squared_deviations = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add(self, column: NumericColumn) -> None:
        """Count one batch of this feature's values."""
        self.missing += column.missing
        self.absent += column.absent
        self.mismatched += column.mismatched
        present = column.values[~np.isnan(column.values)]
        if present.size == 0:
            return
        if self._cuts is None:
            self.slot_counts[0] += present.size
        else:
            slots = np.searchsorted(self._cuts, present, side="right")
            self.slot_counts += np.bincount(slots, minlength=self.slot_counts.size)
        batch_mean = float(present.mean())
        batch_deviations = float(np.square(present - batch_mean).sum())
        total = self.count + present.size
        delta = batch_mean - self.mean
        self.mean += delta * present.size / total
        self.squared_deviations += (
            batch_deviations + delta * delta * self.count * present.size / total
        )
        self.count = total
        self.min = min(self.min, float(present.min()))
        self.max = max(self.max, float(present.max()))

    def add_absent(self, rows: int) -> None:
        """Count ``rows`` rows in which the feature is not present at all."""
        self.absent += rows

    @property
    def std(self) -> float | None:
        """Population standard deviation of the window's values."""
        return math.sqrt(self.squared_deviations / self.count) if self.count else None


class CategoricalWindow:
    """Running counts of one categorical feature over the window."""

    def __init__(self, baseline: CategoricalFeatureBaseline, *, max_unseen: int) -> None:
        self.baseline = baseline
        self._index = {label: position for position, (label, _) in enumerate(baseline.categories)}
        self.category_counts = np.zeros(len(baseline.categories) + 1, dtype=np.int64)
        self.unlisted: dict[str, int] = {}
        self.untracked_unlisted = 0
        self.missing = 0
        self.absent = 0
        self._max_unseen = max_unseen

    def add(self, counted: CategoryCounts) -> None:
        """Count one batch of this feature's labels."""
        self.missing += counted.missing
        self.absent += counted.absent
        for label, occurrences in counted.counts.items():
            position = self._index.get(label)
            if position is not None:
                self.category_counts[position] += occurrences
                continue
            self.category_counts[-1] += occurrences
            if label in self.unlisted:
                self.unlisted[label] += occurrences
            elif len(self.unlisted) < self._max_unseen:
                self.unlisted[label] = occurrences
            else:
                self.untracked_unlisted += occurrences

    def add_absent(self, rows: int) -> None:
        """Count ``rows`` rows in which the feature is not present at all."""
        self.absent += rows

    @property
    def count(self) -> int:
        """Non-missing labels counted."""
        return int(self.category_counts.sum())


FeatureWindow = NumericWindow | CategoricalWindow


class DriftAccumulator:
    """Per-feature counts of a window of inference inputs against one baseline."""

    def __init__(
        self,
        baseline: Baseline,
        *,
        max_unseen_categories: int = DEFAULT_MAX_UNSEEN_CATEGORIES,
        max_new_columns: int = DEFAULT_MAX_NEW_COLUMNS,
    ) -> None:
        self.baseline = baseline
        self.rows = 0
        self.windows: tuple[FeatureWindow, ...] = tuple(
            NumericWindow(feature)
            if isinstance(feature, NumericFeatureBaseline)
            else CategoricalWindow(feature, max_unseen=max_unseen_categories)
            for feature in baseline.features
        )
        self._names = baseline.feature_names
        self._known = frozenset(self._names)
        self.new_columns: dict[str, int] = {}
        self.untracked_new_columns = 0
        self._max_new_columns = max_new_columns

    def add_columns(self, columns: Mapping[str, Sequence[object] | np.ndarray]) -> None:
        """Count a batch given as columns by feature name (arrays or sequences)."""
        lengths = {len(column) for column in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: {sorted(lengths)}")
        rows = lengths.pop() if lengths else 0
        if rows == 0:
            return
        for window in self.windows:
            column = columns.get(window.baseline.name)
            if column is None:
                window.add_absent(rows)
            else:
                _add_column(window, column)
        for name in columns:
            if name not in self._known:
                self._count_new_column(name, rows)
        self.rows += rows

    def add_positional_rows(self, rows: Sequence[Sequence[object]]) -> None:
        """Count rows whose fields map to the baseline features by position."""
        if not rows:
            return
        width = len(self._names)
        if not all(len(row) == width for row in rows):
            rows = [self._fit_to_width(row, width) for row in rows]
        for window, column in zip(self.windows, zip(*rows, strict=True), strict=True):
            _add_column(window, column)
        self.rows += len(rows)

    def add_named_rows(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Count rows whose fields map to the baseline features by name."""
        if not rows:
            return
        for row in rows:
            if len(row) != len(self._names) or not self._known.issuperset(row):
                for name in row:
                    if name not in self._known:
                        self._count_new_column(str(name), 1)
        for window in self.windows:
            name = window.baseline.name
            _add_column(window, [row.get(name, ABSENT) for row in rows])
        self.rows += len(rows)

    def _fit_to_width(self, row: Sequence[object], width: int) -> Sequence[object]:
        if len(row) > width:
            for position in range(width, len(row)):
                self._count_new_column(f"column_{position}", 1)
            return row[:width]
        if len(row) < width:
            return [*row, *([ABSENT] * (width - len(row)))]
        return row

    def _count_new_column(self, name: str, rows: int) -> None:
        if name in self.new_columns:
            self.new_columns[name] += rows
        elif len(self.new_columns) < self._max_new_columns:
            self.new_columns[name] = rows
        else:
            self.untracked_new_columns += rows


def _add_column(window: FeatureWindow, column: Sequence[object] | np.ndarray) -> None:
    if isinstance(window, NumericWindow):
        window.add(read_numeric(column))
    else:
        window.add(count_categories(column))
