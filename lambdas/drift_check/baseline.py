"""The drift baseline: what a model's training data looked like, as a JSON document.

The build pipeline's baseline step builds it from the training data and registers it
with the model package (``DriftCheckBaselines.ModelDataQuality.Statistics``); the
drift check compares each window of inference inputs with it.

Build it in Python::

    from drift_check.baseline import build_baseline, build_baseline_from_csv
    baseline = build_baseline({"age": ages, "plan": plans}, categorical=["plan"])
    baseline = build_baseline_from_csv("train.csv", categorical=["plan"], exclude=["churn"])
    Path("baseline.json").write_text(baseline.to_json())

or from the command line (with ``lambdas/`` on ``PYTHONPATH``)::

    python -m drift_check.baseline --input train.csv --output baseline.json \\
        [--categorical plan region] [--exclude churn] [--bins 10] [--top-k 20]

The document and how it is read back are in ``drift_check.baseline_document``
(``BASELINE_FORMAT.md`` beside this module is the reference); how it is built is
in ``drift_check.baseline_build``. This module keeps the names both export and
the command line.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from drift_check.baseline_build import (
    bin_cuts,
    bin_slots,
    build_baseline,
    build_baseline_from_csv,
    categorical_feature_baseline,
    numeric_feature_baseline,
)
from drift_check.baseline_document import (
    DEFAULT_BINS,
    DEFAULT_TOP_K,
    DOCUMENT_KIND,
    SCHEMA_VERSION,
    Baseline,
    BaselineFormatError,
    BaselineInputError,
    CategoricalFeatureBaseline,
    FeatureBaseline,
    FeatureType,
    NumericFeatureBaseline,
    finite_or_none,
)

__all__ = [
    "DEFAULT_BINS",
    "DEFAULT_TOP_K",
    "DOCUMENT_KIND",
    "SCHEMA_VERSION",
    "Baseline",
    "BaselineFormatError",
    "BaselineInputError",
    "CategoricalFeatureBaseline",
    "FeatureBaseline",
    "FeatureType",
    "NumericFeatureBaseline",
    "bin_cuts",
    "bin_slots",
    "build_baseline",
    "build_baseline_from_csv",
    "categorical_feature_baseline",
    "finite_or_none",
    "main",
    "numeric_feature_baseline",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build a baseline document from a CSV file."""
    parser = argparse.ArgumentParser(
        prog="python -m drift_check.baseline",
        description="Build a drift baseline (JSON) from training data in CSV with a header.",
    )
    parser.add_argument("--input", required=True, type=Path, help="training data CSV")
    parser.add_argument("--output", required=True, type=Path, help="baseline JSON to write")
    parser.add_argument(
        "--categorical", nargs="+", action="extend", default=[], metavar="COLUMN",
        help="columns to treat as categorical (others: numeric when all values are numbers)",
    )  # fmt: skip
    parser.add_argument(
        "--exclude", nargs="+", action="extend", default=[], metavar="COLUMN",
        help="columns that are not model inputs, such as the label",
    )  # fmt: skip
    parser.add_argument("--bins", type=int, default=DEFAULT_BINS, help="quantile bins (10)")
    parser.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help="categories kept (20)")
    parser.add_argument("--source", help="data location to record (default: the input path)")
    arguments = parser.parse_args(argv)
    try:
        baseline = build_baseline_from_csv(
            arguments.input,
            categorical=arguments.categorical,
            exclude=arguments.exclude,
            bins=arguments.bins,
            top_k=arguments.top_k,
            source=arguments.source,
        )
    except (BaselineInputError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(baseline.to_json(), encoding="utf-8")
    kinds = Counter(feature.type for feature in baseline.features)
    print(
        f"baseline of {baseline.row_count} rows: {kinds['numeric']} numeric and "
        f"{kinds['categorical']} categorical features -> {arguments.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
