"""The churn model: derived features and the scikit-learn pipeline around the classifier.

The derived features are computed inside the model so that training, evaluation
and the endpoint compute them the same way from the raw input columns. The
model artifact pickles a reference to :func:`add_derived_features`, so this
module ships with the model (``code/`` in ``model.tar.gz``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from churn_dataset import CATEGORICAL_FEATURES, CATEGORIES, NUMERIC_FEATURES

DERIVED_FEATURES = ("average_monthly_spend", "support_calls_per_year")


def add_derived_features(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the derived columns added (inputs unchanged)."""
    result = frame.copy()
    months = np.maximum(result["tenure_months"].astype(float), 1.0)
    result["average_monthly_spend"] = result["total_charges"].astype(float) / months
    result["support_calls_per_year"] = result["support_calls"].astype(float) * 12.0 / months
    return result


def churn_model(*, regularization: float, max_iter: int, seed: int) -> Pipeline:
    """The untrained model: derived features, imputation, scaling, one-hot, logistic regression."""
    numeric = [*NUMERIC_FEATURES, *DERIVED_FEATURES]
    encoder = OneHotEncoder(
        categories=[list(CATEGORIES[name]) for name in CATEGORICAL_FEATURES],
        handle_unknown="ignore",
    )
    columns = ColumnTransformer(
        [
            ("numeric", Pipeline([("impute", SimpleImputer(strategy="median")),
                                  ("scale", StandardScaler())]), numeric),
            ("categorical", encoder, list(CATEGORICAL_FEATURES)),
        ]
    )  # fmt: skip
    classifier = LogisticRegression(C=regularization, max_iter=max_iter, random_state=seed)
    return Pipeline(
        [
            ("derive", FunctionTransformer(add_derived_features)),
            ("columns", columns),
            ("classify", classifier),
        ]
    )


def churn_probabilities(model: Any, features: pd.DataFrame) -> np.ndarray:
    """The probability of churn for each row of ``features`` (the model's input columns)."""
    return np.asarray(model.predict_proba(features)[:, 1], dtype=float)
