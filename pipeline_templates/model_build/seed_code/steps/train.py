"""Train step: fit the churn model on the training split and save it with its serving code.

In the pipeline this runs in the SageMaker scikit-learn framework container
(script mode: the container's training toolkit runs this file with the
hyperparameters as ``--name value`` arguments and the channels under
``/opt/ml/input/data/<channel>``). Nothing is downloaded at run time.

Writes ``model.joblib`` and ``code/`` (``inference.py`` and the modules it
imports) into the model directory; SageMaker packs it as ``model.tar.gz``, and
the endpoint runs ``code/inference.py`` from it (``SAGEMAKER_SUBMIT_DIRECTORY``
is ``/opt/ml/model/code``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import joblib
import pandas as pd
from sklearn.metrics import roc_auc_score

from churn_dataset import FEATURES, LABEL
from churn_features import churn_model, churn_probabilities

SERVING_MODULES = ("inference.py", "churn_features.py", "churn_dataset.py")
MODEL_FILE = "model.joblib"


def read_split(directory: Path) -> pd.DataFrame:
    """The one CSV of a split directory (``train/train.csv`` and so on)."""
    files = sorted(directory.glob("*.csv"))
    if len(files) != 1:
        raise SystemExit(f"expected one CSV in {directory}, found {len(files)}")
    return pd.read_csv(files[0])


def train(
    *,
    train_dir: Path,
    validation_dir: Path,
    model_dir: Path,
    regularization: float,
    max_iter: int,
    seed: int,
) -> float:
    """Fit, save the model and its serving code into ``model_dir``; returns validation AUC."""
    training = read_split(train_dir)
    validation = read_split(validation_dir)
    model = churn_model(regularization=regularization, max_iter=max_iter, seed=seed)
    model.fit(training[list(FEATURES)], training[LABEL])
    auc = float(
        roc_auc_score(validation[LABEL], churn_probabilities(model, validation[list(FEATURES)]))
    )
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / MODEL_FILE)
    code_dir = model_dir / "code"
    code_dir.mkdir(exist_ok=True)
    here = Path(__file__).resolve().parent
    for name in SERVING_MODULES:
        shutil.copy2(here / name, code_dir / name)
    return auc


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (the training toolkit's entry point)."""
    parser = argparse.ArgumentParser(description="Train the churn model.")
    parser.add_argument("--regularization", type=float, default=1.0)
    parser.add_argument("--max-iter", "--max_iter", dest="max_iter", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--train", type=Path, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--validation", type=Path, default=os.environ.get("SM_CHANNEL_VALIDATION"))
    parser.add_argument("--model-dir", type=Path, default=os.environ.get("SM_MODEL_DIR"))
    arguments, _ = parser.parse_known_args(argv)
    if not (arguments.train and arguments.validation and arguments.model_dir):
        raise SystemExit("--train, --validation and --model-dir are required outside SageMaker")
    auc = train(
        train_dir=arguments.train,
        validation_dir=arguments.validation,
        model_dir=arguments.model_dir,
        regularization=arguments.regularization,
        max_iter=arguments.max_iter,
        seed=arguments.seed,
    )
    # The training job's metric definition reads this line.
    print(f"validation:auc={auc:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
