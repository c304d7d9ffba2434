"""Evaluate step: score the trained model on the test split, write the evaluation report.

In the pipeline this runs in the scikit-learn processing container with the
training job's ``model.tar.gz`` under ``/opt/ml/processing/input/model`` and the
test split under ``/opt/ml/processing/input/test``. The model is loaded and asked through
its own serving code (``inference.py``: CSV rows in, one probability per line
out), so the evaluation also proves the serving contract.

The report (``/opt/ml/processing/evaluation/evaluation.json``) has SageMaker's
evaluation-report shape, which the quality gate reads and the pipeline's
condition reads at ``binary_classification_metrics.<metric>.value``::

    {"binary_classification_metrics": {
        "auc": {"value": 0.86, "standard_deviation": 0.011},
        "accuracy": {"value": ..., "standard_deviation": ...}, ...}}

The standard deviation of each metric is estimated from seeded bootstrap
resamples of the test split ("NaN" when the split is too small to resample).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import config_context
from sklearn.metrics import confusion_matrix, roc_auc_score

import inference
from churn_dataset import FEATURES, LABEL

PROCESSING = Path("/opt/ml/processing")
REPORT_FILE = "evaluation.json"
DECISION_THRESHOLD = 0.5
BOOTSTRAP_SAMPLES = 200
METRICS: tuple[str, ...] = ("auc", "accuracy", "precision", "recall", "f1")


def metrics_of(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Every metric of :data:`METRICS`: AUC of the scores, the others at the decision threshold.

    The four threshold metrics come from one confusion matrix (precision, recall
    and F1 are 0 where undefined, as scikit-learn's ``zero_division=0``).
    """
    predicted = (scores >= DECISION_THRESHOLD).astype(int)
    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted, labels=[0, 1]).tolist()
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "accuracy": (tp + tn) / len(labels),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
    }


def load_model(model_path: Path) -> Any:
    """The model from ``model.tar.gz`` (or from an already extracted directory)."""
    if model_path.is_dir():
        archives = sorted(model_path.glob("*.tar.gz"))
        if not archives:
            return inference.model_fn(str(model_path))
        model_path = archives[0]
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(model_path) as archive:
            try:
                archive.extractall(scratch, filter="data")
            except TypeError:  # a Python without extraction filters; our own archive
                archive.extractall(scratch)
        return inference.model_fn(scratch)


def score(model: Any, test: pd.DataFrame) -> np.ndarray:
    """Ask the model as the endpoint would: a CSV payload of the input columns, no header."""
    payload = io.StringIO()
    writer = csv.writer(payload, lineterminator="\n")
    for row in test[list(FEATURES)].itertuples(index=False):
        writer.writerow(["" if pd.isna(value) else value for value in row])
    frame = inference.input_fn(payload.getvalue(), inference.CSV)
    body, _ = inference.output_fn(inference.predict_fn(frame, model), inference.CSV)
    scores = np.array([float(line) for line in body.splitlines()])
    if len(scores) != len(test):
        raise SystemExit(f"the model answered {len(scores)} lines for {len(test)} rows")
    return scores


def evaluation_report(labels: np.ndarray, scores: np.ndarray, *, seed: int) -> dict[str, Any]:
    """Every metric of :data:`METRICS` with its bootstrap standard deviation."""
    if len(set(labels.tolist())) < 2:
        raise SystemExit("the test split has only one class: AUC is undefined")
    random = np.random.default_rng(seed)
    samples = []
    for _ in range(BOOTSTRAP_SAMPLES):
        rows = random.integers(0, len(labels), size=len(labels))
        if len(set(labels[rows].tolist())) == 2:
            samples.append(rows)
    # The inputs are checked once here; the bootstrap loop skips sklearn's own checks.
    if not np.isfinite(scores).all():
        raise SystemExit("the model answered a score that is not a finite number")
    with config_context(skip_parameter_validation=True, assume_finite=True):
        values = metrics_of(labels, scores)
        resampled = [metrics_of(labels[rows], scores[rows]) for rows in samples]
    metrics: dict[str, Any] = {}
    for name in METRICS:
        spread: float | str = "NaN"
        if len(samples) >= 2:
            spread = float(np.std([sample[name] for sample in resampled]))
        metrics[name] = {"value": values[name], "standard_deviation": spread}
    return {"binary_classification_metrics": metrics}


def evaluate(*, model_path: Path, test_dir: Path, output_dir: Path, seed: int) -> dict[str, Any]:
    """Score the test split and write the report into ``output_dir``; returns the report."""
    tests = sorted(test_dir.glob("*.csv"))
    if len(tests) != 1:
        raise SystemExit(f"expected one CSV in {test_dir}, found {len(tests)}")
    test = pd.read_csv(tests[0])
    report = evaluation_report(
        test[LABEL].to_numpy(dtype=int), score(load_model(model_path), test), seed=seed
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / REPORT_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (the processing job's entry point)."""
    parser = argparse.ArgumentParser(description="Evaluate the churn model on the test split.")
    parser.add_argument("--model", type=Path, default=PROCESSING / "input" / "model")
    parser.add_argument("--test-dir", type=Path, default=PROCESSING / "input" / "test")
    parser.add_argument("--output-dir", type=Path, default=PROCESSING / "evaluation")
    parser.add_argument("--seed", type=int, default=42)
    arguments = parser.parse_args(argv)
    report = evaluate(
        model_path=arguments.model,
        test_dir=arguments.test_dir,
        output_dir=arguments.output_dir,
        seed=arguments.seed,
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
