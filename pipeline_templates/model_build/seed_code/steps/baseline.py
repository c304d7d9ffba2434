"""Baseline step: the drift baseline of the training split, built by the platform's drift engine.

The engine is the platform's own (``drift_check``, the same code the scheduled
drift check runs), never a copy: the packaging in ``build_pipeline.code_bundle``
ships it beside the steps as ``vendor/drift_check``, and this script finds it
there (``../vendor`` from this file); in the platform's repository it is on
the path already. The document's format: ``vendor/drift_check/BASELINE_FORMAT.md``.

In the pipeline this runs in the scikit-learn processing container (the engine
needs numpy only) and writes ``/opt/ml/processing/baseline/baseline.json``,
registered as the model package's
``DriftCheckBaselines.ModelDataQuality.Statistics``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from churn_dataset import CATEGORICAL_FEATURES, FEATURES, LABEL

PROCESSING = Path("/opt/ml/processing")
BASELINE_FILE = "baseline.json"
VENDOR_DIR = Path(__file__).resolve().parent.parent / "vendor"

if (VENDOR_DIR / "drift_check").is_dir() and str(VENDOR_DIR) not in sys.path:
    sys.path.insert(0, str(VENDOR_DIR))

from drift_check.baseline import build_baseline_from_csv  # noqa: E402


def build(*, train_dir: Path, output_dir: Path, source: str | None = None) -> Path:
    """Write the baseline of ``train_dir``'s CSV into ``output_dir``; returns its path."""
    files = sorted(train_dir.glob("*.csv"))
    if len(files) != 1:
        raise SystemExit(f"expected one CSV in {train_dir}, found {len(files)}")
    baseline = build_baseline_from_csv(
        files[0], categorical=list(CATEGORICAL_FEATURES), exclude=[LABEL], source=source
    )
    if baseline.feature_names != FEATURES:
        raise SystemExit(f"baseline features {baseline.feature_names} are not {FEATURES}")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / BASELINE_FILE
    target.write_text(baseline.to_json(), encoding="utf-8")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (the processing job's entry point)."""
    parser = argparse.ArgumentParser(description="Build the drift baseline of the training split.")
    parser.add_argument("--train-dir", type=Path, default=PROCESSING / "input" / "train")
    parser.add_argument("--output-dir", type=Path, default=PROCESSING / "baseline")
    parser.add_argument("--source", help="where the training data came from, to record")
    arguments = parser.parse_args(argv)
    target = build(train_dir=arguments.train_dir, output_dir=arguments.output_dir,
                   source=arguments.source)  # fmt: skip
    print(f"baseline -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
