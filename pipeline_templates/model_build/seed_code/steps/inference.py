"""Serving code of the churn model, run by the SageMaker scikit-learn container.

The contract: a ``text/csv`` request of N rows without a header, the model's
input columns in schema order (``churn_dataset.FEATURES``), is answered with N
lines, each the churn probability of its row, in [0, 1]. Empty fields are
missing values. Any other content type, or a row with the wrong number of
fields, is refused with an error naming what was wrong.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from churn_dataset import FEATURES, NUMERIC_FEATURES
from churn_features import churn_probabilities

CSV = "text/csv"
MODEL_FILE = "model.joblib"


def model_fn(model_dir: str) -> Any:
    """Load the model from the extracted ``model.tar.gz``."""
    return joblib.load(Path(model_dir) / MODEL_FILE)


def input_fn(request_body: str | bytes, request_content_type: str) -> pd.DataFrame:
    """Parse a CSV payload into the model's input columns."""
    if request_content_type.split(";")[0].strip().lower() != CSV:
        raise ValueError(f"content type {request_content_type!r} is not supported; send {CSV}")
    text = request_body.decode("utf-8") if isinstance(request_body, bytes) else request_body
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise ValueError("the payload has no rows")
    for number, row in enumerate(rows, start=1):
        if len(row) != len(FEATURES):
            raise ValueError(f"row {number} has {len(row)} fields, expected {len(FEATURES)}")
    frame = pd.DataFrame(rows, columns=list(FEATURES))
    for column in NUMERIC_FEATURES:
        frame[column] = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    for column in FEATURES:
        if column not in NUMERIC_FEATURES:
            frame[column] = frame[column].str.strip()
    return frame


def predict_fn(input_data: pd.DataFrame, model: Any) -> np.ndarray:
    """Churn probabilities, one per row."""
    return churn_probabilities(model, input_data)


def output_fn(prediction: np.ndarray, accept: str) -> tuple[str, str]:
    """One probability per line, as ``text/csv``."""
    if accept.split(";")[0].strip().lower() not in (CSV, "*/*", ""):
        raise ValueError(f"accept type {accept!r} is not supported; accept {CSV}")
    return "".join(f"{value:.6f}\n" for value in np.clip(prediction, 0.0, 1.0)), CSV
