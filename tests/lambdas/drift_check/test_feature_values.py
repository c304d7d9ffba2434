"""How raw values are read: one set of rules for the baseline and the window."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drift_check.feature_values import (
    ABSENT,
    category_label,
    count_categories,
    is_missing_token,
    read_numeric,
)


@pytest.mark.parametrize("text", ["", " ", "NA", "n/a", "NaN", "null", "None", " NULL "])
def test_missing_tokens_are_missing(text: str) -> None:
    assert is_missing_token(text)


@pytest.mark.parametrize("text", ["0", "a", "nana", "-"])
def test_other_text_is_not_missing(text: str) -> None:
    assert not is_missing_token(text)


def test_numeric_strings_with_gaps_convert_and_count_missing() -> None:
    column = read_numeric(("1.5", "", "NA", "2", " 3", "nan", "1e3"))
    assert column.missing == 3
    assert column.absent == 0
    assert column.mismatched == 0
    np.testing.assert_array_equal(
        np.nan_to_num(column.values, nan=-1.0), [1.5, -1.0, -1.0, 2.0, 3.0, -1.0, 1000.0]
    )


def test_numeric_reading_separates_missing_absent_and_mismatched() -> None:
    column = read_numeric([1, None, ABSENT, "abc", True, [1, 2], " null ", float("inf")])
    assert (column.missing, column.absent, column.mismatched) == (3, 1, 2)
    assert column.values[0] == 1.0
    assert column.values[4] == 1.0
    assert int(np.count_nonzero(~np.isnan(column.values))) == 2


def test_infinities_count_as_missing() -> None:
    column = read_numeric(np.array([1.0, np.inf, -np.inf, 2.0]))
    assert column.missing == 2
    assert np.isnan(column.values[1]) and np.isnan(column.values[2])


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("basic", "basic"),
        (3, "3"),
        (3.0, "3"),
        (2.5, "2.5"),
        (True, "True"),
        (np.int64(4), "4"),
        (np.str_("x"), "x"),
        (None, None),
        ("", None),
        ("NA", None),
        (math.nan, None),
    ],
)
def test_category_labels(value: object, label: str | None) -> None:
    assert category_label(value) == label


def test_counting_categories_of_lists_and_arrays_agrees() -> None:
    values = ["a", "b", "a", "", None, ABSENT, "c", "a"]
    counted = count_categories(values)
    assert counted.counts == {"a": 3, "b": 1, "c": 1}
    assert (counted.missing, counted.absent) == (2, 1)
    array_counted = count_categories(np.array(["a", "b", "a", "", "c", "a"]))
    assert array_counted.counts == {"a": 3, "b": 1, "c": 1}
    assert array_counted.missing == 1


def test_counting_categories_of_unhashable_values_uses_their_text() -> None:
    counted = count_categories([[1, 2], [1, 2], "x"])
    assert counted.counts == {"[1, 2]": 2, "x": 1}
