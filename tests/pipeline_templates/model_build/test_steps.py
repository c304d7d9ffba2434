"""The seed code's steps, run in-process on generated data: real numbers, computed, not written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

import churn_dataset
import evaluate
import inference
import preprocess
from drift_check.baseline import Baseline, NumericFeatureBaseline
from loop_common.evaluation_report import find_metric
from tests.pipeline_templates.model_build.conftest import SeedRun

MIN_THRESHOLD = 0.75


def test_generator_is_deterministic_and_seeded() -> None:
    assert churn_dataset.generate(50, seed=3) == churn_dataset.generate(50, seed=3)
    assert churn_dataset.generate(50, seed=3) != churn_dataset.generate(50, seed=4)
    records = churn_dataset.generate(2000, seed=3)
    assert list(records[0]) == list(churn_dataset.COLUMNS)
    assert {r["contract"] for r in records} == set(churn_dataset.CATEGORIES["contract"])
    assert 0.2 < np.mean([r["churned"] for r in records]) < 0.5


def test_charges_shift_moves_the_inputs_not_the_labels() -> None:
    before = churn_dataset.generate(1000, seed=5)
    after = churn_dataset.generate(1000, seed=5, monthly_charges_shift=0.4)
    assert [r["churned"] for r in before] == [r["churned"] for r in after]
    ratio = np.mean([r["monthly_charges"] for r in after]) / np.mean(
        [r["monthly_charges"] for r in before]
    )
    assert ratio == pytest.approx(1.4, abs=0.01)


def test_preprocess_splits_with_the_schema_and_records_the_data_version(seed_run: SeedRun) -> None:
    splits = {
        name: pd.read_csv(seed_run.root / name / f"{name}.csv")
        for name in ("train", "validation", "test")
    }
    assert {name: len(frame) for name, frame in splits.items()} == {
        "train": 2600,
        "validation": 600,
        "test": 800,
    }
    for frame in splits.values():
        assert list(frame.columns) == list(churn_dataset.COLUMNS)
    record = seed_run.record
    raw = (seed_run.root / "raw" / "batch-001.csv").read_bytes()
    import hashlib

    file_hash = hashlib.sha256(raw).hexdigest()
    assert record["manifest"]["files"] == [
        {"file": "batch-001.csv", "bytes": len(raw), "sha256": file_hash}
    ]
    expected = hashlib.sha256(f"batch-001.csv {len(raw)} {file_hash}".encode()).hexdigest()
    assert record["data_manifest_sha256"] == expected
    assert record["trigger_reason"] == "drift alarm DriftScore 0.4 0.2"
    assert record["trigger_source"] == "drift-alarm"
    assert record["trigger_event_id"] == "none"
    on_disk = json.loads((seed_run.root / "record" / "build_record.json").read_text())
    assert on_disk == record


def test_preprocess_drops_and_counts_rows_it_cannot_use(tmp_path: Path) -> None:
    records = churn_dataset.generate(200, seed=1)
    records[0]["contract"] = "lifetime"
    records[1]["churned"] = "maybe"
    records[2]["tenure_months"] = "long"
    records[3]["total_charges"] = None  # kept: the model imputes it
    churn_dataset.write_csv(tmp_path / "raw" / "a.csv", records)
    record = preprocess.run(
        input_dir=tmp_path / "raw", output_dir=tmp_path, seed=1, validation_share=0.1,
        test_share=0.1, environ={},
    )  # fmt: skip
    assert record["rows_read"] == 200 and record["rows_used"] == 197
    dropped = {reason: count for reason, count in record["rows_dropped"].items() if count}
    assert dropped == {"unknown contract": 1, "invalid churned": 1, "invalid tenure_months": 1}


def test_the_data_version_changes_with_the_data(tmp_path: Path) -> None:
    for name, seed in (("one", 1), ("two", 2)):
        churn_dataset.write_csv(tmp_path / name / "raw.csv", churn_dataset.generate(100, seed=seed))
    first = preprocess.data_manifest(tmp_path / "one")[1]["manifest_sha256"]
    again = preprocess.data_manifest(tmp_path / "one")[1]["manifest_sha256"]
    other = preprocess.data_manifest(tmp_path / "two")[1]["manifest_sha256"]
    assert first == again != other


def test_metadata_values_keep_only_what_the_registry_allows() -> None:
    assert preprocess.metadata_value("") == "none"
    assert preprocess.metadata_value("a,b;(c)\n d") == "a b c d"
    assert len(preprocess.metadata_value("x" * 400)) == 256


def test_the_model_clears_the_threshold_with_a_computed_auc(seed_run: SeedRun) -> None:
    auc = seed_run.report["binary_classification_metrics"]["auc"]
    test = pd.read_csv(seed_run.root / "test" / "test.csv")
    model = inference.model_fn(str(seed_run.model_dir))
    recomputed = roc_auc_score(
        test["churned"], model.predict_proba(test[list(churn_dataset.FEATURES)])[:, 1]
    )
    assert auc["value"] == pytest.approx(recomputed, abs=1e-6)
    assert 0.8 < auc["value"] < 0.95
    assert 0.0 < auc["standard_deviation"] < 0.05
    assert seed_run.validation_auc > MIN_THRESHOLD
    written = json.loads((seed_run.root / "evaluation" / "evaluation.json").read_text())
    reading = find_metric(written, "auc")  # the quality gate's reader
    assert reading.problem is None and reading.value == auc["value"]


def test_a_model_trained_on_shuffled_labels_fails_the_condition(shuffled_run: SeedRun) -> None:
    auc = shuffled_run.report["binary_classification_metrics"]["auc"]["value"]
    assert auc < MIN_THRESHOLD
    assert abs(auc - 0.5) < 0.08


def test_every_metric_of_the_report_is_in_range(seed_run: SeedRun) -> None:
    metrics = seed_run.report["binary_classification_metrics"]
    assert set(metrics) == set(evaluate.METRICS)
    for name, entry in metrics.items():
        assert 0.0 <= entry["value"] <= 1.0, name
        assert isinstance(entry["standard_deviation"], float), name


@pytest.mark.parametrize("shift", [0.3, -0.6])
def test_report_metrics_are_scikit_learns(shift: float) -> None:
    random = np.random.default_rng(7)
    labels = random.integers(0, 2, 400)
    # shift -0.6 predicts nothing positive: precision and F1 fall back to zero.
    scores = np.clip(labels * 0.3 + random.random(400) * 0.7 + shift, 0.0, 1.0)
    predicted = scores >= evaluate.DECISION_THRESHOLD
    expected = {
        "auc": roc_auc_score(labels, scores),
        "accuracy": accuracy_score(labels, predicted),
        "precision": precision_score(labels, predicted, zero_division=0),
        "recall": recall_score(labels, predicted, zero_division=0),
        "f1": f1_score(labels, predicted, zero_division=0),
    }
    assert evaluate.metrics_of(labels, scores) == pytest.approx(expected, abs=1e-12)
    assert (expected["precision"] == 0.0) is (shift < 0)


def test_the_model_ships_its_serving_code(seed_run: SeedRun) -> None:
    code = sorted(path.name for path in (seed_run.model_dir / "code").iterdir())
    assert code == ["churn_dataset.py", "churn_features.py", "inference.py"]
    assert (seed_run.model_dir / "model.joblib").is_file()


def test_inference_answers_n_csv_rows_with_n_probabilities(seed_run: SeedRun) -> None:
    model = inference.model_fn(str(seed_run.model_dir))
    payload = "12,70.5,846.0,3,month-to-month,invoice\n60,40.0,2400.0,0,two-year,card\n5,99.9,,1,one-year,bank-transfer\n"
    body, content_type = inference.output_fn(
        inference.predict_fn(inference.input_fn(payload.encode(), "text/csv"), model), "text/csv"
    )
    lines = body.splitlines()
    assert content_type == "text/csv" and len(lines) == 3
    values = [float(line) for line in lines]
    assert all(0.0 <= value <= 1.0 for value in values)
    assert values[0] > values[1]  # a new, calling, invoiced customer churns more than a loyal one


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("1,2,3\n", "text/csv", "row 1 has 3 fields, expected 6"),
        ('{"tenure_months": 1}', "application/json", "'application/json' is not supported"),
        ("\n", "text/csv", "the payload has no rows"),
    ],
)
def test_inference_refuses_what_breaks_the_contract(
    body: str, content_type: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        inference.input_fn(body, content_type)


def test_the_baseline_is_the_drift_engines_document_of_the_training_split(
    seed_run: SeedRun,
) -> None:
    document = Baseline.from_json(seed_run.baseline_path.read_text())
    assert document.feature_names == churn_dataset.FEATURES
    assert document.row_count == 2600
    kinds = {feature.name: feature.type for feature in document.features}
    assert kinds == {
        "tenure_months": "numeric", "monthly_charges": "numeric", "total_charges": "numeric",
        "support_calls": "numeric", "contract": "categorical", "payment_method": "categorical",
    }  # fmt: skip
    train = pd.read_csv(seed_run.root / "train" / "train.csv")
    charges = document.feature("monthly_charges")
    assert isinstance(charges, NumericFeatureBaseline)
    assert charges.mean == pytest.approx(train["monthly_charges"].mean())
    assert document.feature("total_charges").missing_count == int(
        train["total_charges"].isna().sum()
    )
