"""Build a drift baseline from training data: in memory, or from a CSV file in chunks.

How raw values are read (missing values, numbers, category labels) is defined once in
``drift_check.feature_values`` and shared with the drift check.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from drift_check.baseline_document import (
    DEFAULT_BINS,
    DEFAULT_TOP_K,
    Baseline,
    BaselineInputError,
    CategoricalFeatureBaseline,
    FeatureBaseline,
    NumericFeatureBaseline,
    finite_or_none,
)
from drift_check.feature_values import count_categories, read_numeric

_CSV_CHUNK_ROWS = 65_536


def bin_cuts(bin_edges: Sequence[float] | np.ndarray) -> np.ndarray:
    """Cut points that ``np.searchsorted(cuts, x, side="right")`` maps to slots.

    The last edge is nudged up by one float step so that the last inner bin is
    closed on the right: a value equal to ``max`` is inside, anything above is not.
    """
    edges = np.asarray(bin_edges, dtype=np.float64)
    return np.append(edges[:-1], np.nextafter(edges[-1], np.inf))


def bin_slots(bin_edges: Sequence[float] | np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of the ``bin_counts`` slot each (non-missing) value falls in.

    Slot 0 is below the first edge, the last slot above the last edge, and the last
    inner bin is closed on the right, as in the baseline document.
    """
    return np.searchsorted(bin_cuts(bin_edges), values, side="right")


def numeric_feature_baseline(
    name: str, position: int, values: np.ndarray, *, missing_count: int, bins: int = DEFAULT_BINS
) -> NumericFeatureBaseline:
    """Baseline of a numeric feature from its values (NaN where missing)."""
    present = values[~np.isnan(values)]
    if present.size == 0:
        return NumericFeatureBaseline(
            name, position, 0, missing_count, None, None, None, None, (), ()
        )
    edges = np.unique(np.quantile(present, np.linspace(0.0, 1.0, bins + 1)))
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    counts = np.bincount(bin_slots(edges, present), minlength=edges.size + 1)
    return NumericFeatureBaseline(
        name=name,
        position=position,
        count=int(present.size),
        missing_count=missing_count,
        mean=finite_or_none(float(np.mean(present))),
        std=finite_or_none(float(np.std(present))),
        min=float(edges[0]),
        max=float(edges[-1]),
        bin_edges=tuple(float(edge) for edge in edges),
        bin_counts=tuple(int(count) for count in counts),
    )


def categorical_feature_baseline(
    name: str,
    position: int,
    counts: Counter[str],
    *,
    missing_count: int,
    top_k: int = DEFAULT_TOP_K,
) -> CategoricalFeatureBaseline:
    """Baseline of a categorical feature from its label counts."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    listed = tuple(ranked[:top_k])
    return CategoricalFeatureBaseline(
        name=name,
        position=position,
        count=sum(counts.values()),
        missing_count=missing_count,
        distinct_count=len(ranked),
        categories=listed,
        other_count=sum(count for _, count in ranked[top_k:]),
    )


def build_baseline(
    data: Mapping[str, Sequence[object] | np.ndarray] | np.ndarray,
    *,
    feature_names: Sequence[str] | None = None,
    categorical: Iterable[str] = (),
    bins: int = DEFAULT_BINS,
    top_k: int = DEFAULT_TOP_K,
    source: str | None = None,
) -> Baseline:
    """Build the baseline of in-memory training data.

    Args:
        data: columns by feature name (in model input order), or a 2-D array with
            one column per feature.
        feature_names: names of a 2-D array's columns (default ``column_0``...).
        categorical: features to treat as categorical. Any other feature is
            numeric if all its present values are numbers, else categorical.
        bins: quantile bins per numeric feature (default 10).
        top_k: categories listed per categorical feature (default 20).
        source: where the data came from, recorded in the document.
    """
    _check_settings(bins, top_k)
    columns = _columns_of(data, feature_names)
    categorical_names = set(categorical)
    unknown = sorted(categorical_names - set(columns))
    if unknown:
        raise BaselineInputError(f"categorical feature(s) {unknown} are not in the data")
    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        raise BaselineInputError(f"columns have different lengths: {sorted(lengths)}")
    row_count = lengths.pop() if lengths else 0
    features: list[FeatureBaseline] = []
    for position, (name, column) in enumerate(columns.items()):
        numeric = None if name in categorical_names else read_numeric(column)
        if numeric is not None and numeric.mismatched == 0:
            features.append(
                numeric_feature_baseline(
                    name, position, numeric.values, missing_count=numeric.missing, bins=bins
                )
            )
        else:
            labels = count_categories(column)
            features.append(
                categorical_feature_baseline(
                    name, position, labels.counts, missing_count=labels.missing, top_k=top_k
                )
            )
    return Baseline(row_count, bins, top_k, tuple(features), source)


def _check_settings(bins: int, top_k: int) -> None:
    if bins < 1:
        raise BaselineInputError(f"bins must be at least 1, got {bins}")
    if top_k < 1:
        raise BaselineInputError(f"top_k must be at least 1, got {top_k}")


def _columns_of(
    data: Mapping[str, Sequence[object] | np.ndarray] | np.ndarray,
    feature_names: Sequence[str] | None,
) -> dict[str, Sequence[object] | np.ndarray]:
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise BaselineInputError(f"an array of training data must be 2-D, got {data.ndim}-D")
        names = (
            list(feature_names)
            if feature_names is not None
            else [f"column_{i}" for i in range(data.shape[1])]
        )
        if len(names) != data.shape[1]:
            raise BaselineInputError(
                f"{len(names)} feature names for an array of {data.shape[1]} columns"
            )
        columns: dict[str, Sequence[object] | np.ndarray] = {
            name: data[:, index] for index, name in enumerate(names)
        }
    else:
        columns = dict(data)
    if not columns:
        raise BaselineInputError("training data has no columns")
    return columns


def build_baseline_from_csv(
    path: str | os.PathLike[str],
    *,
    categorical: Iterable[str] = (),
    exclude: Iterable[str] = (),
    bins: int = DEFAULT_BINS,
    top_k: int = DEFAULT_TOP_K,
    source: str | None = None,
) -> Baseline:
    """Build the baseline of a CSV file with a header row, in two streaming passes.

    The first pass finds which columns hold only numbers, the second counts. Memory
    holds the numeric columns as float64 (quantiles need every value) and one
    counter per categorical column, never the text of the file.

    Args:
        path: the CSV file; its header names the features.
        categorical: columns to treat as categorical (others are inferred).
        exclude: columns that are not model inputs (the label, ids).
        bins: quantile bins per numeric feature (default 10).
        top_k: categories listed per categorical feature (default 20).
        source: recorded in the document (default: the path).
    """
    _check_settings(bins, top_k)
    header = _csv_header(path)
    categorical_names = set(categorical)
    excluded = set(exclude)
    unknown = sorted((categorical_names | excluded) - set(header))
    if unknown:
        raise BaselineInputError(f"column(s) {unknown} are not in the CSV header {header}")
    kept = [(index, name) for index, name in enumerate(header) if name not in excluded]
    if not kept:
        raise BaselineInputError("every CSV column is excluded: no features left")

    numeric_candidates = {index for index, name in kept if name not in categorical_names}
    for chunk in _csv_chunks(path, len(header)):
        for index in list(numeric_candidates):
            if read_numeric(chunk[index]).mismatched:
                numeric_candidates.discard(index)

    numeric_parts: dict[int, list[np.ndarray]] = {index: [] for index in numeric_candidates}
    missing: Counter[int] = Counter()
    labels: dict[int, Counter[str]] = {
        index: Counter() for index, _ in kept if index not in numeric_candidates
    }
    row_count = 0
    for chunk in _csv_chunks(path, len(header)):
        row_count += len(chunk[0])
        for index, _ in kept:
            if index in numeric_candidates:
                numeric = read_numeric(chunk[index])
                numeric_parts[index].append(numeric.values)
                missing[index] += numeric.missing
            else:
                counted = count_categories(chunk[index])
                labels[index].update(counted.counts)
                missing[index] += counted.missing

    features: list[FeatureBaseline] = []
    for position, (index, name) in enumerate(kept):
        if index in numeric_candidates:
            parts = numeric_parts.pop(index)
            values = np.concatenate(parts) if parts else np.empty(0)
            features.append(
                numeric_feature_baseline(
                    name, position, values, missing_count=missing[index], bins=bins
                )
            )
        else:
            features.append(
                categorical_feature_baseline(
                    name, position, labels[index], missing_count=missing[index], top_k=top_k
                )
            )
    return Baseline(row_count, bins, top_k, tuple(features), source or os.fspath(path))


def _csv_header(path: str | os.PathLike[str]) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise BaselineInputError(f"{os.fspath(path)} has no header row")
    if len(set(header)) != len(header):
        raise BaselineInputError(f"CSV header has duplicate column names: {header}")
    return header


def _csv_chunks(path: str | os.PathLike[str], width: int) -> Iterator[list[tuple[str, ...]]]:
    """Columns of successive blocks of data rows (the header skipped)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        block: list[list[str]] = []
        for row in reader:
            if not row:
                continue
            if len(row) != width:
                raise BaselineInputError(
                    f"line {reader.line_num}: {len(row)} fields, the header has {width}"
                )
            block.append(row)
            if len(block) == _CSV_CHUNK_ROWS:
                yield list(zip(*block, strict=True))
                block = []
        if block:
            yield list(zip(*block, strict=True))
