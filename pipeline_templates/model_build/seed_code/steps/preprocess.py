"""Preprocess step: read the raw churn CSVs, clean them, split them, record what was read.

In the pipeline this runs in the scikit-learn processing container::

    python3 /opt/ml/processing/input/code/steps/preprocess.py

with the raw data under ``/opt/ml/processing/input/raw`` (every ``*.csv`` below
it, header row required) and writes, under ``/opt/ml/processing``:

- ``train/train.csv``, ``validation/validation.csv``, ``test/test.csv``: the
  model's input columns in schema order, then ``churned``, with a header;
- ``record/build_record.json``: the data version (a SHA-256 over the name, size
  and SHA-256 of every input file: the same files give the same hash) and the
  run's trigger, as the registration step records them.

Rows are dropped, and counted in the record, when the label is not 0 or 1, a
category is not one the model knows, or a numeric field is not a number;
a missing ``total_charges`` is kept (the model imputes it). Features that are
derived from the inputs are computed inside the model (``churn_features``), so
that training and serving compute them the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churn_dataset import CATEGORIES, COLUMNS, FEATURES, LABEL, NUMERIC_FEATURES

PROCESSING = Path("/opt/ml/processing")
_METADATA_VALUE = re.compile(r"[^\w\s.:/=+\-@]")
_METADATA_LIMIT = 256


def data_manifest(input_dir: Path) -> tuple[list[Path], dict[str, Any]]:
    """The raw CSV files under ``input_dir`` (sorted) and their manifest."""
    files = sorted(path for path in input_dir.rglob("*.csv") if path.is_file())
    if not files:
        raise SystemExit(f"no *.csv file under {input_dir}")
    entries = []
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entries.append(
            {"file": path.relative_to(input_dir).as_posix(), "bytes": path.stat().st_size,
             "sha256": digest}
        )  # fmt: skip
    canonical = "\n".join(f"{e['file']} {e['bytes']} {e['sha256']}" for e in entries)
    manifest = {
        "files": entries,
        "manifest_sha256": hashlib.sha256(canonical.encode()).hexdigest(),
    }
    return files, manifest


def read_raw(files: Sequence[Path]) -> pd.DataFrame:
    """All rows of ``files`` with the churn columns (extra columns are ignored)."""
    frames = []
    for path in files:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [column for column in COLUMNS if column not in frame.columns]
        if missing:
            raise SystemExit(f"{path.name}: missing columns {missing}")
        frames.append(frame[list(COLUMNS)])
    return pd.concat(frames, ignore_index=True)


def clean(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Typed rows that a model can learn from, and how many rows were dropped for what."""
    frame = pd.DataFrame(index=raw.index)
    dropped: dict[str, int] = {}
    keep = pd.Series(True, index=raw.index)
    for column in NUMERIC_FEATURES:
        text = raw[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        bad = values.isna() & (text != "")
        if column != "total_charges":
            bad |= text == ""
        dropped[f"invalid {column}"] = int((bad & keep).sum())
        keep &= ~bad
        frame[column] = values
    for column, allowed in CATEGORIES.items():
        values = raw[column].str.strip()
        bad = ~values.isin(allowed)
        dropped[f"unknown {column}"] = int((bad & keep).sum())
        keep &= ~bad
        frame[column] = values
    label = raw[LABEL].str.strip()
    bad = ~label.isin(("0", "1"))
    dropped[f"invalid {LABEL}"] = int((bad & keep).sum())
    keep &= ~bad
    frame[LABEL] = pd.to_numeric(label.where(~bad, "0")).astype(int)
    for column in ("tenure_months", "support_calls"):
        frame[column] = frame[column].round()
    return frame[keep].reset_index(drop=True), dropped


def split(
    frame: pd.DataFrame, *, seed: int, validation_share: float, test_share: float
) -> dict[str, pd.DataFrame]:
    """A seeded shuffle of ``frame`` cut into train, validation and test."""
    order = np.random.default_rng(seed).permutation(len(frame))
    test_rows = round(len(frame) * test_share)
    validation_rows = round(len(frame) * validation_share)
    if len(frame) - test_rows - validation_rows < 10 or min(test_rows, validation_rows) < 1:
        raise SystemExit(f"{len(frame)} usable rows are too few to split")
    parts = {
        "test": order[:test_rows],
        "validation": order[test_rows : test_rows + validation_rows],
        "train": order[test_rows + validation_rows :],
    }
    return {name: frame.iloc[np.sort(rows)] for name, rows in parts.items()}


def metadata_value(text: str) -> str:
    """``text`` as a model package metadata value (its allowed characters, 1-256 long)."""
    cleaned = " ".join(_METADATA_VALUE.sub(" ", text).split())[:_METADATA_LIMIT]
    return cleaned or "none"


def run(
    *,
    input_dir: Path,
    output_dir: Path,
    seed: int,
    validation_share: float,
    test_share: float,
    environ: Mapping[str, str],
) -> dict[str, Any]:
    """Preprocess ``input_dir`` into ``output_dir``; returns the build record."""
    files, manifest = data_manifest(input_dir)
    frame, dropped = clean(read_raw(files))
    parts = split(frame, seed=seed, validation_share=validation_share, test_share=test_share)
    for name, part in parts.items():
        target = output_dir / name / f"{name}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        part[[*FEATURES, LABEL]].to_csv(target, index=False, lineterminator="\n")
    record = {
        "data_manifest_sha256": manifest["manifest_sha256"],
        "data_files": len(files),
        "data_source": metadata_value(environ.get("RAW_DATA_URI", str(input_dir))),
        "rows_read": int(sum(dropped.values()) + len(frame)),
        "rows_used": len(frame),
        "rows_dropped": dropped,
        "split_rows": {name: len(part) for name, part in parts.items()},
        "split_seed": seed,
        "trigger_reason": metadata_value(environ.get("TRIGGER_REASON", "")),
        "trigger_source": metadata_value(environ.get("TRIGGER_SOURCE", "")),
        "trigger_event_id": metadata_value(environ.get("TRIGGER_EVENT_ID", "")),
        "manifest": manifest,
    }
    record_path = output_dir / "record" / "build_record.json"
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (the processing job's entry point)."""
    parser = argparse.ArgumentParser(description="Clean and split raw churn data.")
    parser.add_argument("--input-dir", type=Path, default=PROCESSING / "input" / "raw")
    parser.add_argument("--output-dir", type=Path, default=PROCESSING)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation-share", type=float, default=0.15)
    parser.add_argument("--test-share", type=float, default=0.2)
    arguments = parser.parse_args(argv)
    record = run(
        input_dir=arguments.input_dir,
        output_dir=arguments.output_dir,
        seed=arguments.seed,
        validation_share=arguments.validation_share,
        test_share=arguments.test_share,
        environ=os.environ,
    )
    print(json.dumps({k: record[k] for k in ("rows_used", "rows_dropped", "split_rows")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
