"""The values well-known evaluation metrics can take; a value outside them cannot be true.

A project's policy may set ``metric.valid_min`` and ``metric.valid_max``; without
them the quality gate uses the range below for the metric's name, and no range
for a name it does not know.
"""

from __future__ import annotations

import math

# Values a metric can take at all; a report outside them is wrong, not a good or bad model.
_UNIT_INTERVAL = (0.0, 1.0)
_NON_NEGATIVE = (0.0, math.inf)
DEFAULT_VALID_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        (
            "auc", "roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "precision",
            "recall", "f1", "f1_score", "f2", "specificity", "sensitivity",
            "true_positive_rate", "true_negative_rate", "false_positive_rate",
            "false_negative_rate",
        ),
        _UNIT_INTERVAL,
    ),
    **dict.fromkeys(
        (
            "mse", "rmse", "mae", "mape", "msle", "rmsle", "log_loss", "logloss",
            "cross_entropy", "error", "mean_squared_error", "root_mean_squared_error",
            "mean_absolute_error", "mean_absolute_percentage_error",
        ),
        _NON_NEGATIVE,
    ),
    "r2": (-math.inf, 1.0),
}  # fmt: skip
