"""The drift baseline document: its model, and reading it back from JSON.

How it is built is in ``drift_check.baseline_build``.

The document (``schema_version`` 1, ``kind`` ``"cd4ml-drift-baseline"``) holds
``row_count``, the ``bins`` and ``top_k`` it was built with, its ``source`` and the
``features`` in the order of the model's input columns (CSV payloads are
positional). A numeric feature carries moments and quantile ``bin_edges`` with
``bin_counts`` (one slot below the training minimum and one above the maximum, so a
window's values out of the training range land in bins of their own); a
categorical feature carries its ``top_k`` most frequent categories and
``other_count``. ``BASELINE_FORMAT.md`` beside this module is the reference, field
by field, with an example. A reader refuses any other schema version.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

SCHEMA_VERSION: Final = 1
DOCUMENT_KIND: Final = "cd4ml-drift-baseline"
DEFAULT_BINS: Final = 10
DEFAULT_TOP_K: Final = 20

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
