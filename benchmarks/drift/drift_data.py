"""The benchmark's data: generated columns of 50 numeric and 10 categorical features."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
BENCH_VENV_PYTHON = REPO / ".venv-bench-drift" / "bin" / "python"
NUMERIC_FEATURES = 50
CATEGORICAL_FEATURES = 10
VOCABULARY_SIZES = (3, 5, 8, 12, 20, 30, 4, 6, 10, 50)
SHIFTED_NUMERIC = range(5)
SHIFTED_CATEGORICAL = range(2)
WITH_MISSING = (10, 20, 30, 40, 49)
REFERENCE_SEED = 1
CURRENT_SEED = 2
ROWS_PER_FILE = 100_000
GENERATION_BLOCK = 20_000
TARGET_SPEEDUP = 10.0
TARGET_MEMORY_RATIO = 1.5

NUMERIC_NAMES = [f"num_{index:02d}" for index in range(NUMERIC_FEATURES)]
CATEGORICAL_NAMES = [f"cat_{index}" for index in range(CATEGORICAL_FEATURES)]


def generate_block(
    rng: np.random.Generator, rows: int, *, drifted: bool
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``rows`` rows: a float matrix (NaN where missing) and categorical columns."""
    numeric = np.empty((rows, NUMERIC_FEATURES))
    for index in range(NUMERIC_FEATURES):
        kind = index % 5
        if kind == 0:
            column, std = rng.normal(10.0 + index, 2.0, rows), 2.0
        elif kind == 1:
            column, std = rng.lognormal(1.0, 0.5, rows), 1.5
        elif kind == 2:
            column, std = rng.uniform(0.0, 100.0, rows), 28.9
        elif kind == 3:
            column, std = rng.gamma(2.0, 3.0, rows), 4.2
        else:
            # Counts drift by their rate (4 -> 4.5, a quarter of a standard deviation):
            # adding 0.5 to integers would be a change of type, not of distribution.
            rate = 4.5 if drifted and index in SHIFTED_NUMERIC else 4.0
            column, std = rng.poisson(rate, rows).astype(float), 0.0
        if drifted and index in SHIFTED_NUMERIC:
            column = column + 0.25 * std
        if index in WITH_MISSING:
            column[rng.random(rows) < 0.01] = np.nan
        numeric[:, index] = column
    categorical = []
    for index, size in enumerate(VOCABULARY_SIZES):
        vocabulary = np.array([f"c{index}_{value}" for value in range(size)], dtype=object)
        weights = 1.0 / np.arange(1, size + 1)
        if drifted and index in SHIFTED_CATEGORICAL:
            weights = weights[::-1]
        categorical.append(vocabulary[rng.choice(size, size=rows, p=weights / weights.sum())])
    return numeric, categorical


def generate_columns(rows: int, seed: int, *, drifted: bool) -> dict[str, np.ndarray]:
    """One data set as columns by name (numeric float64, categorical object arrays)."""
    numeric, categorical = generate_block(np.random.default_rng(seed), rows, drifted=drifted)
    columns = {name: numeric[:, index].copy() for index, name in enumerate(NUMERIC_NAMES)}
    del numeric
    columns.update(zip(CATEGORICAL_NAMES, categorical, strict=True))
    return columns
