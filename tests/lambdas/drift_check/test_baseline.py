"""Baselines from arrays and CSV, the JSON document, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drift_check.baseline import (
    SCHEMA_VERSION,
    Baseline,
    BaselineFormatError,
    BaselineInputError,
    CategoricalFeatureBaseline,
    NumericFeatureBaseline,
    bin_slots,
    build_baseline,
    build_baseline_from_csv,
    main,
)

REPO = Path(__file__).resolve().parents[3]


def test_numeric_feature_gets_quantile_edges_counts_and_moments() -> None:
    values = np.arange(1, 101, dtype=float)  # 1..100
    feature = build_baseline({"x": values}, bins=4).feature("x")
    assert isinstance(feature, NumericFeatureBaseline)
    assert feature.bin_edges == (1.0, 25.75, 50.5, 75.25, 100.0)
    # below min, [1, 25.75), [25.75, 50.5), [50.5, 75.25), [75.25, 100], above max
    assert feature.bin_counts == (0, 25, 25, 25, 25, 0)
    assert feature.mean == pytest.approx(50.5)
    assert feature.std == pytest.approx(np.std(values))
    assert (feature.min, feature.max, feature.count, feature.missing_count) == (1.0, 100.0, 100, 0)


def test_missing_values_are_counted_and_left_out_of_bins() -> None:
    column = [1.0, None, 2.0, np.nan, 3.0, "", 4.0, "NA"]
    feature = build_baseline({"x": column}, bins=2).feature("x")
    assert isinstance(feature, NumericFeatureBaseline)
    assert (feature.count, feature.missing_count) == (4, 4)
    assert feature.missing_rate == 0.5
    assert sum(feature.bin_counts) == 4


def test_constant_feature_has_one_closed_bin() -> None:
    feature = build_baseline({"x": np.full(50, 7.0)}).feature("x")
    assert isinstance(feature, NumericFeatureBaseline)
    assert feature.bin_edges == (7.0, 7.0)
    assert feature.bin_counts == (0, 50, 0)
    np.testing.assert_array_equal(
        bin_slots(feature.bin_edges, np.array([6.9, 7.0, 7.1])), [0, 1, 2]
    )


def test_ties_collapse_quantile_edges() -> None:
    feature = build_baseline({"x": np.array([0.0] * 90 + [1.0] * 10)}).feature("x")
    assert isinstance(feature, NumericFeatureBaseline)
    assert feature.bin_edges[0] == 0.0 and feature.bin_edges[-1] == 1.0
    assert len(set(feature.bin_edges)) == len(feature.bin_edges)
    assert sum(feature.bin_counts) == 100
    assert feature.bin_counts[0] == feature.bin_counts[-1] == 0


def test_categorical_feature_keeps_top_k_and_other() -> None:
    values = ["a"] * 5 + ["b"] * 3 + ["c"] * 3 + ["d"] * 1 + [None] * 2
    feature = build_baseline({"plan": values}, top_k=2).feature("plan")
    assert isinstance(feature, CategoricalFeatureBaseline)
    # ties ranked by value: b before c
    assert feature.categories == (("a", 5), ("b", 3))
    assert feature.other_count == 4
    assert feature.distinct_count == 4
    assert (feature.count, feature.missing_count) == (12, 2)


def test_types_are_inferred_unless_declared() -> None:
    baseline = build_baseline(
        {"age": [30, 40, 50], "zip": ["10115", "20095", "10115"], "plan": ["a", "b", "a"]},
        categorical=["zip"],
    )
    assert [(f.name, f.type, f.position) for f in baseline.features] == [
        ("age", "numeric", 0),
        ("zip", "categorical", 1),
        ("plan", "categorical", 2),
    ]


def test_two_dimensional_array_needs_matching_names() -> None:
    data = np.arange(12, dtype=float).reshape(4, 3)
    assert build_baseline(data).feature_names == ("column_0", "column_1", "column_2")
    assert build_baseline(data, feature_names=["a", "b", "c"]).feature_names == ("a", "b", "c")
    with pytest.raises(BaselineInputError, match="2 feature names for an array of 3 columns"):
        build_baseline(data, feature_names=["a", "b"])


def test_bad_training_data_is_refused_with_the_reason() -> None:
    with pytest.raises(BaselineInputError, match="different lengths"):
        build_baseline({"a": [1, 2], "b": [1]})
    with pytest.raises(BaselineInputError, match=r"\['nope'\] are not in the data"):
        build_baseline({"a": [1, 2]}, categorical=["nope"])
    with pytest.raises(BaselineInputError, match="bins must be at least 1"):
        build_baseline({"a": [1, 2]}, bins=0)


def test_document_round_trips_exactly_and_is_documented_json() -> None:
    rng = np.random.default_rng(3)
    baseline = build_baseline(
        {"x": rng.normal(size=500), "plan": rng.choice(["a", "b", "c"], size=500)},
        source="s3://data/train.csv",
    )
    text = baseline.to_json()
    document = json.loads(text)
    assert document["schema_version"] == SCHEMA_VERSION == 1
    assert document["kind"] == "cd4ml-drift-baseline"
    assert [feature["name"] for feature in document["features"]] == ["x", "plan"]
    assert set(document["features"][0]) >= {"bin_edges", "bin_counts", "mean", "std", "min", "max"}
    assert set(document["features"][1]) >= {"categories", "other_count", "distinct_count"}
    assert Baseline.from_json(text) == baseline


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version=2), "schema_version 2 is not supported"),
        (lambda d: d.pop("row_count"), "row_count"),
        (lambda d: d["features"][0].update(type="text"), "type must be"),
        (lambda d: d["features"][0]["bin_counts"].pop(), r"len\(bin_edges\) \+ 1"),
        (lambda d: d["features"][0]["bin_edges"].reverse(), "ascending"),
        (lambda d: d["features"][1].update(other_count=99), "add up to count"),
        (lambda d: d["features"][1].update(name="x"), "unique"),
        (lambda d: d["features"][0].update(count=1), "row_count"),
    ],
)
def test_malformed_documents_are_refused(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    baseline = build_baseline({"x": np.arange(20.0), "plan": ["a", "b"] * 10})
    document = baseline.to_dict()
    change(document)
    with pytest.raises(BaselineFormatError, match=message):
        Baseline.from_dict(document)


def test_not_json_is_refused() -> None:
    with pytest.raises(BaselineFormatError, match="not valid JSON"):
        Baseline.from_json("{")


def write_training_csv(path: Path, rows: int = 300) -> None:
    rng = np.random.default_rng(9)
    lines = ["churn,age,plan,income,zip"]
    for index in range(rows):
        income = "" if index % 10 == 0 else f"{rng.normal(50_000, 8_000):.2f}"
        plan = rng.choice(["basic", "plus", "pro"])
        lines.append(f"{index % 2},{20 + index % 50},{plan},{income},{10_000 + index % 7}")
    path.write_text("\n".join(lines) + "\n")


def test_csv_baseline_matches_the_in_memory_one(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    write_training_csv(path)
    from_csv = build_baseline_from_csv(path, categorical=["zip"], exclude=["churn"])
    columns = {name: [] for name in ["age", "plan", "income", "zip"]}  # type: ignore[var-annotated]
    for line in path.read_text().splitlines()[1:]:
        _, age, plan, income, zip_code = line.split(",")
        for name, value in zip(columns, [age, plan, income, zip_code], strict=True):
            columns[name].append(value)
    in_memory = build_baseline(columns, categorical=["zip"], source=str(path))
    assert from_csv == in_memory
    assert [(f.name, f.type) for f in from_csv.features] == [
        ("age", "numeric"),
        ("plan", "categorical"),
        ("income", "numeric"),
        ("zip", "categorical"),
    ]
    assert from_csv.feature("income").missing_count == 30


def test_csv_with_a_short_row_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text("a,b\n1,2\n3\n")
    with pytest.raises(BaselineInputError, match="line 3: 1 fields, the header has 2"):
        build_baseline_from_csv(path)


def test_command_line_writes_the_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "train.csv"
    output = tmp_path / "out" / "baseline.json"
    write_training_csv(source)
    status = main(
        [
            *("--input", str(source), "--output", str(output), "--categorical", "zip"),
            *("--exclude", "churn", "--bins", "5", "--top-k", "2"),
        ]
    )
    assert status == 0
    baseline = Baseline.from_json(output.read_text())
    assert baseline.bins == 5 and baseline.top_k == 2
    assert baseline.feature_names == ("age", "plan", "income", "zip")
    plan = baseline.feature("plan")
    assert isinstance(plan, CategoricalFeatureBaseline) and len(plan.categories) == 2
    assert "baseline of 300 rows: 2 numeric and 2 categorical features" in capsys.readouterr().out
    assert main(["--input", str(source), "--output", str(output), "--exclude", "nope"]) == 2


def test_module_runs_as_a_command(tmp_path: Path) -> None:
    source = tmp_path / "train.csv"
    write_training_csv(source, rows=20)
    output = tmp_path / "baseline.json"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "drift_check.baseline", "--input", str(source)),
            *("--output", str(output), "--exclude", "churn"),
        ],
        cwd=REPO / "lambdas",
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "baseline of 20 rows: 3 numeric and 1 categorical features" in completed.stdout
    assert Baseline.from_json(output.read_text()).row_count == 20
