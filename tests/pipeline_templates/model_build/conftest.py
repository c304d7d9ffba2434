"""Fixtures of the model-build seed code: its steps run once per session on generated data.

The step scripts import their sibling modules by name, as they do in the
SageMaker containers, so their folder (and the seed code's root, for
``build_pipeline``) goes on ``sys.path`` here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SEED_CODE = Path(__file__).parents[3] / "pipeline_templates" / "model_build" / "seed_code"
STEPS = SEED_CODE / "steps"
DRIFT_ENGINE = Path(__file__).parents[3] / "lambdas" / "drift_check"
for path in (STEPS, SEED_CODE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import baseline  # noqa: E402
import churn_dataset  # noqa: E402
import evaluate  # noqa: E402
import preprocess  # noqa: E402
import train  # noqa: E402

ROWS = 4000


@dataclass(frozen=True)
class SeedRun:
    """One local run of preprocess -> train -> evaluate -> baseline, and what it wrote."""

    root: Path
    record: dict[str, Any]
    validation_auc: float
    report: dict[str, Any]
    baseline_path: Path

    @property
    def model_dir(self) -> Path:
        return self.root / "model"


def run_steps(root: Path, *, rows: int = ROWS, seed: int = 7, shuffle: bool = False) -> SeedRun:
    """The seed code's steps on ``rows`` generated customers; ``shuffle`` scrambles the labels."""
    records = churn_dataset.generate(rows, seed=seed)
    if shuffle:
        import numpy as np

        labels = np.random.default_rng(99).permutation([int(str(r["churned"])) for r in records])
        records = [{**r, "churned": int(label)} for r, label in zip(records, labels, strict=True)]
    churn_dataset.write_csv(root / "raw" / "batch-001.csv", records)
    record = preprocess.run(
        input_dir=root / "raw",
        output_dir=root,
        seed=42,
        validation_share=0.15,
        test_share=0.2,
        environ={
            "TRIGGER_REASON": "drift alarm (DriftScore 0.4 > 0.2)",
            "TRIGGER_SOURCE": "drift-alarm",
        },
    )
    auc = train.train(
        train_dir=root / "train",
        validation_dir=root / "validation",
        model_dir=root / "model",
        regularization=1.0,
        max_iter=500,
        seed=42,
    )
    report = evaluate.evaluate(
        model_path=root / "model", test_dir=root / "test", output_dir=root / "evaluation", seed=42
    )
    baseline_path = baseline.build(train_dir=root / "train", output_dir=root / "baseline")
    return SeedRun(root, record, auc, report, baseline_path)


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> SeedRun:
    """The steps on generated data with its real signal."""
    return run_steps(tmp_path_factory.mktemp("seed-run"))


@pytest.fixture(scope="session")
def shuffled_run(tmp_path_factory: pytest.TempPathFactory) -> SeedRun:
    """The same steps on the same customers with their labels shuffled."""
    return run_steps(tmp_path_factory.mktemp("shuffled-run"), shuffle=True)
