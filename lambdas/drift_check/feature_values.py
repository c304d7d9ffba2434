"""How raw feature values are read, on the training side and on the capture side alike.

One set of rules serves the baseline and the drift check, so that a value counts as
missing, as a number or as a category in the same way on both sides:

* Missing: ``None`` (JSON ``null``), a float NaN or infinity (infinities carry no
  position a quantile bin could hold), or a string that is empty or one of
  ``na``, ``n/a``, ``nan``, ``null``, ``none`` (any case, surrounding spaces ignored).
* Absent: the field is not in the row at all (a short CSV row, a JSON object without
  the key). Absent values count as missing for the missing rate, and are also counted
  apart, because a feature absent from every row is a schema violation.
* Numeric: an int, a float, a bool (as 0 or 1) or a string that Python's ``float``
  reads. Anything else in a numeric feature is a type mismatch, not a missing value.
* Category label: strings as they are; integral numbers without a decimal part
  (``3`` and ``3.0`` are both ``"3"``); other numbers by ``repr``; anything else
  by ``str``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final, NamedTuple

import numpy as np

MISSING_TOKENS: Final = frozenset({"", "na", "n/a", "nan", "null", "none"})
# Exact spellings of missing values seen in practice: looked up without strip()
# and lower(), so a column with gaps still converts in one numpy call.
_COMMON_MISSING_SPELLINGS: Final = frozenset(
    {"", "NA", "na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null", "None", "none"}
)


class _Absent:
    """Type of the ``ABSENT`` sentinel."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
"""Marks a field that is not in the row at all (as opposed to a missing value)."""


class NumericColumn(NamedTuple):
    """A column read as numbers: ``values`` holds NaN wherever there is no finite number."""

    values: np.ndarray
    missing: int
    absent: int
    mismatched: int


class CategoryCounts(NamedTuple):
    """A column read as category labels."""

    counts: Counter[str]
    missing: int
    absent: int


def is_missing_token(text: str) -> bool:
    """True when ``text`` spells a missing value (empty, ``NA``, ``null``...)."""
    return text.strip().lower() in MISSING_TOKENS


def read_numeric(values: Sequence[object] | np.ndarray) -> NumericColumn:
    """Read a column of raw values as float64 numbers.

    The common case (numbers, numeric strings, ``None``) goes through one numpy
    conversion; a column holding anything else is read value by value.
    """
    floats: np.ndarray | None
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        floats = values.astype(np.float64, copy=False)
    else:
        try:
            floats = np.array(values, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            floats = _read_with_common_missing_spellings(values)
        if floats is None or floats.ndim != 1:
            return _read_numeric_one_by_one(values)
    not_finite = ~np.isfinite(floats)
    missing = int(np.count_nonzero(not_finite))
    if missing:
        floats = np.where(not_finite, np.nan, floats)
    return NumericColumn(floats, missing, 0, 0)


def _read_with_common_missing_spellings(values: Iterable[object]) -> np.ndarray | None:
    try:
        return np.array(
            ["nan" if value in _COMMON_MISSING_SPELLINGS else value for value in values],
            dtype=np.float64,
        )
    except (ValueError, TypeError, OverflowError):
        return None


def _read_numeric_one_by_one(values: Iterable[object]) -> NumericColumn:
    items = list(values)
    floats = np.full(len(items), np.nan)
    missing = absent = mismatched = 0
    for index, value in enumerate(items):
        if value is ABSENT:
            absent += 1
            continue
        if value is None:
            missing += 1
            continue
        number = _as_number(value)
        if number is None:
            if isinstance(value, str) and is_missing_token(value):
                missing += 1
            else:
                mismatched += 1
        elif not math.isfinite(number):
            missing += 1
        else:
            floats[index] = number
    return NumericColumn(floats, missing, absent, mismatched)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool | int | float | np.integer | np.floating):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str | bytes):
        try:
            return float(value)
        except (ValueError, OverflowError):
            return None
    return None


def category_label(value: object) -> str | None:
    """The category label of ``value``, or None when the value is missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if is_missing_token(value) else value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, np.str_):
        return category_label(str(value))
    return str(value)


def count_categories(values: Sequence[object] | np.ndarray) -> CategoryCounts:
    """Count the category labels of a column, apart from missing and absent values."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "USbiu":
        distinct, tallies = np.unique(values, return_counts=True)
        raw: Counter[object] = Counter(dict(zip(distinct.tolist(), tallies.tolist(), strict=True)))
    else:
        try:
            raw = Counter(values)
        except TypeError:
            raw = Counter(_hashable(value) for value in values)
    counts: Counter[str] = Counter()
    missing = absent = 0
    for value, occurrences in raw.items():
        if value is ABSENT:
            absent += occurrences
            continue
        label = category_label(value)
        if label is None:
            missing += occurrences
        else:
            counts[label] += occurrences
    return CategoryCounts(counts, missing, absent)


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value
