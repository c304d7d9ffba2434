"""The drift baseline: what a model's training data looked like, as a JSON document.

The build pipeline's baseline step builds it from the training data and registers it
with the model package (``DriftCheckBaselines.ModelDataQuality.Statistics``); the
drift check compares each window of inference inputs with it.

Build it in Python::

    from drift_check.baseline import build_baseline, build_baseline_from_csv
    baseline = build_baseline({"age": ages, "plan": plans}, categorical=["plan"])
    baseline = build_baseline_from_csv("train.csv", categorical=["plan"], exclude=["churn"])
    Path("baseline.json").write_text(baseline.to_json())

or from the command line (with ``lambdas/`` on ``PYTHONPATH``)::

    python -m drift_check.baseline --input train.csv --output baseline.json \\
        [--categorical plan region] [--exclude churn] [--bins 10] [--top-k 20]

The document (``schema_version`` 1; ``BASELINE_FORMAT.md`` beside this module is the
reference, with an example):

``schema_version``
    Integer, 1. A reader refuses any other version.
``kind``
    ``"cd4ml-drift-baseline"``.
``row_count``
    Rows in the training data.
``bins``, ``top_k``
    The settings the document was built with: quantile bins per numeric feature
    (default 10) and listed categories per categorical feature (default 20).
``source``
    Where the training data came from (a path or URI), or null.
``features``
    The schema, in the order of the model's input columns (CSV payloads are
    positional). Each feature has ``name``, ``type`` (``"numeric"`` or
    ``"categorical"``), ``position`` (0-based), ``count`` (non-missing values),
    ``missing_count`` and ``missing_rate`` (``missing_count / row_count``).

    A numeric feature adds ``mean``, ``std`` (population), ``min``, ``max`` (null
    when no value is present), ``bin_edges`` and ``bin_counts``. ``bin_edges`` are the
    distinct quantiles at 0, 1/bins, ..., 1 of the training values, so
    ``edges[0] = min`` and ``edges[-1] = max``; tied quantiles collapse (a constant
    feature has ``[c, c]``). ``bin_counts`` has ``len(bin_edges) + 1`` counts:
    values below ``min`` (0 in the baseline), then one per bin
    ``[edges[i], edges[i + 1])`` with the last bin closed at ``max``, then values
    above ``max`` (0 in the baseline). The outer two exist so a window's values out
    of the training range land in bins of their own.

    A categorical feature adds ``distinct_count``, ``categories`` (the ``top_k`` most
    frequent values, most frequent first, ties by value: ``{"value", "count"}``)
    and ``other_count`` (values outside the listed categories).

How raw values are read (missing values, numbers, category labels) is defined once in
``drift_check.feature_values`` and shared with the drift check.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np

from drift_check.feature_values import count_categories, read_numeric

SCHEMA_VERSION: Final = 1
DOCUMENT_KIND: Final = "cd4ml-drift-baseline"
DEFAULT_BINS: Final = 10
DEFAULT_TOP_K: Final = 20
_CSV_CHUNK_ROWS: Final = 65_536

FeatureType = Literal["numeric", "categorical"]


class BaselineFormatError(ValueError):
    """A baseline document that this version cannot read."""


class BaselineInputError(ValueError):
    """Training data that no baseline can be built from."""


@dataclass(frozen=True)
class NumericFeatureBaseline:
    """Baseline of one numeric feature: moments and quantile bin counts."""

    name: str
    position: int
    count: int
    missing_count: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    bin_edges: tuple[float, ...]
    bin_counts: tuple[int, ...]

    type: FeatureType = "numeric"

    @property
    def missing_rate(self) -> float:
        """Share of training rows without a value."""
        rows = self.count + self.missing_count
        return self.missing_count / rows if rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The feature as it appears in the baseline document."""
        return {
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "count": self.count,
            "missing_count": self.missing_count,
            "missing_rate": self.missing_rate,
            "mean": self.mean,
            "std": self.std,
            "min": self.min,
            "max": self.max,
            "bin_edges": list(self.bin_edges),
            "bin_counts": list(self.bin_counts),
        }


@dataclass(frozen=True)
class CategoricalFeatureBaseline:
    """Baseline of one categorical feature: its most frequent values and the rest."""

    name: str
    position: int
    count: int
    missing_count: int
    distinct_count: int
    categories: tuple[tuple[str, int], ...]
    other_count: int

    type: FeatureType = "categorical"

    @property
    def missing_rate(self) -> float:
        """Share of training rows without a value."""
        rows = self.count + self.missing_count
        return self.missing_count / rows if rows else 0.0

    @property
    def category_counts(self) -> tuple[int, ...]:
        """Counts of the listed categories, then of all other values."""
        return (*(count for _, count in self.categories), self.other_count)

    def to_dict(self) -> dict[str, Any]:
        """The feature as it appears in the baseline document."""
        return {
            "name": self.name,
            "type": self.type,
            "position": self.position,
            "count": self.count,
            "missing_count": self.missing_count,
            "missing_rate": self.missing_rate,
            "distinct_count": self.distinct_count,
            "categories": [{"value": value, "count": count} for value, count in self.categories],
            "other_count": self.other_count,
        }


FeatureBaseline = NumericFeatureBaseline | CategoricalFeatureBaseline


@dataclass(frozen=True)
class Baseline:
    """A versioned drift baseline (see the module docstring for the document)."""

    row_count: int
    bins: int
    top_k: int
    features: tuple[FeatureBaseline, ...]
    source: str | None = None

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Feature names in input column order."""
        return tuple(feature.name for feature in self.features)

    def feature(self, name: str) -> FeatureBaseline:
        """The baseline of feature ``name``."""
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The baseline document as a JSON-ready object."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": DOCUMENT_KIND,
            "row_count": self.row_count,
            "bins": self.bins,
            "top_k": self.top_k,
            "source": self.source,
            "features": [feature.to_dict() for feature in self.features],
        }

    def to_json(self) -> str:
        """The baseline document as JSON text (floats round-trip exactly)."""
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Baseline:
        """Read a baseline document; raises BaselineFormatError when it is not one."""
        try:
            document = json.loads(text)
        except ValueError as error:
            raise BaselineFormatError(f"baseline is not valid JSON: {error}") from error
        return cls.from_dict(document)

    @classmethod
    def from_dict(cls, document: object) -> Baseline:
        """Read a parsed baseline document; raises BaselineFormatError when it is not one."""
        if not isinstance(document, Mapping):
            raise BaselineFormatError("baseline document must be a JSON object")
        version = document.get("schema_version")
        if version != SCHEMA_VERSION:
            raise BaselineFormatError(
                f"baseline schema_version {version!r} is not supported (expected {SCHEMA_VERSION})"
            )
        row_count = _whole_number(document, "row_count")
        raw_features = document.get("features")
        if not isinstance(raw_features, list) or not raw_features:
            raise BaselineFormatError("baseline 'features' must be a non-empty list")
        features = tuple(_feature_from_dict(raw, row_count) for raw in raw_features)
        names = [feature.name for feature in features]
        if len(set(names)) != len(names):
            raise BaselineFormatError("baseline feature names must be unique")
        if [feature.position for feature in features] != list(range(len(features))):
            raise BaselineFormatError("baseline feature positions must be 0, 1, 2... in order")
        source = document.get("source")
        return cls(
            row_count=row_count,
            bins=_whole_number(document, "bins"),
            top_k=_whole_number(document, "top_k"),
            features=features,
            source=source if isinstance(source, str) else None,
        )


def _whole_number(document: Mapping[str, Any], key: str, *, where: str = "baseline") -> int:
    value = document.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BaselineFormatError(f"{where} '{key}' must be a non-negative integer, got {value!r}")
    return value


def _optional_number(document: Mapping[str, Any], key: str, where: str) -> float | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BaselineFormatError(f"{where} '{key}' must be a number or null, got {value!r}")
    return float(value)


def _feature_from_dict(raw: object, row_count: int) -> FeatureBaseline:
    if not isinstance(raw, Mapping):
        raise BaselineFormatError("each baseline feature must be a JSON object")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise BaselineFormatError(f"baseline feature name must be a string, got {name!r}")
    where = f"feature {name!r}"
    position = _whole_number(raw, "position", where=where)
    count = _whole_number(raw, "count", where=where)
    missing_count = _whole_number(raw, "missing_count", where=where)
    if count + missing_count != row_count:
        raise BaselineFormatError(f"{where}: count + missing_count must equal row_count")
    kind = raw.get("type")
    if kind == "numeric":
        edges = raw.get("bin_edges")
        counts = raw.get("bin_counts")
        if not isinstance(edges, list) or not isinstance(counts, list):
            raise BaselineFormatError(f"{where}: bin_edges and bin_counts must be lists")
        if edges and len(counts) != len(edges) + 1:
            raise BaselineFormatError(f"{where}: bin_counts must have len(bin_edges) + 1 items")
        if not edges and counts:
            raise BaselineFormatError(f"{where}: bin_counts without bin_edges")
        edge_values = tuple(float(edge) for edge in edges)
        if len(edge_values) == 1 or any(
            later < earlier for earlier, later in itertools.pairwise(edge_values)
        ):
            raise BaselineFormatError(f"{where}: bin_edges must be 2 or more ascending numbers")
        count_values = tuple(int(value) for value in counts)
        if sum(count_values) != count:
            raise BaselineFormatError(f"{where}: bin_counts must add up to count")
        return NumericFeatureBaseline(
            name=name,
            position=position,
            count=count,
            missing_count=missing_count,
            mean=_optional_number(raw, "mean", where),
            std=_optional_number(raw, "std", where),
            min=_optional_number(raw, "min", where),
            max=_optional_number(raw, "max", where),
            bin_edges=edge_values,
            bin_counts=count_values,
        )
    if kind == "categorical":
        categories = raw.get("categories")
        if not isinstance(categories, list):
            raise BaselineFormatError(f"{where}: categories must be a list")
        listed: list[tuple[str, int]] = []
        for item in categories:
            if not isinstance(item, Mapping) or not isinstance(item.get("value"), str):
                raise BaselineFormatError(f"{where}: each category needs a string 'value'")
            listed.append((item["value"], _whole_number(item, "count", where=where)))
        other_count = _whole_number(raw, "other_count", where=where)
        if sum(c for _, c in listed) + other_count != count:
            raise BaselineFormatError(f"{where}: category counts must add up to count")
        return CategoricalFeatureBaseline(
            name=name,
            position=position,
            count=count,
            missing_count=missing_count,
            distinct_count=_whole_number(raw, "distinct_count", where=where),
            categories=tuple(listed),
            other_count=other_count,
        )
    raise BaselineFormatError(f"{where}: type must be 'numeric' or 'categorical', got {kind!r}")


def finite_or_none(value: float | None) -> float | None:
    """``value`` when it is a finite number, else None.

    Moments of extreme values can overflow, and JSON has no infinity.
    """
    return value if value is not None and math.isfinite(value) else None


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


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build a baseline document from a CSV file."""
    parser = argparse.ArgumentParser(
        prog="python -m drift_check.baseline",
        description="Build a drift baseline (JSON) from training data in CSV with a header.",
    )
    parser.add_argument("--input", required=True, type=Path, help="training data CSV")
    parser.add_argument("--output", required=True, type=Path, help="baseline JSON to write")
    parser.add_argument(
        "--categorical", nargs="+", action="extend", default=[], metavar="COLUMN",
        help="columns to treat as categorical (others: numeric when all values are numbers)",
    )  # fmt: skip
    parser.add_argument(
        "--exclude", nargs="+", action="extend", default=[], metavar="COLUMN",
        help="columns that are not model inputs, such as the label",
    )  # fmt: skip
    parser.add_argument("--bins", type=int, default=DEFAULT_BINS, help="quantile bins (10)")
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="categories kept (20)")
    parser.add_argument("--source", help="data location to record (default: the input path)")
    arguments = parser.parse_args(argv)
    try:
        baseline = build_baseline_from_csv(
            arguments.input,
            categorical=arguments.categorical,
            exclude=arguments.exclude,
            bins=arguments.bins,
            top_k=arguments.top_k,
            source=arguments.source,
        )
    except (BaselineInputError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(baseline.to_json(), encoding="utf-8")
    kinds = Counter(feature.type for feature in baseline.features)
    print(
        f"baseline of {baseline.row_count} rows: {kinds['numeric']} numeric and "
        f"{kinds['categorical']} categorical features -> {arguments.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
