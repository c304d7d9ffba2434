"""The candidates of the drift benchmark, each run in a subprocess of its own.

Each prints one ``RESULT <json>`` line; the orchestration in ``bench_drift.py``
reads it and adds the subprocess's peak memory.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.drift.drift_data import (
    CATEGORICAL_NAMES,
    CURRENT_SEED,
    GENERATION_BLOCK,
    NUMERIC_FEATURES,
    NUMERIC_NAMES,
    REFERENCE_SEED,
    REPO,
    ROWS_PER_FILE,
    generate_block,
    generate_columns,
)


def current_rss_mb() -> float:
    """This process's resident set size now."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result), flush=True)


def run_ours(rows: int) -> None:
    sys.path.insert(0, str(REPO / "lambdas"))
    from drift_check.baseline import build_baseline
    from drift_check.engine import compute_drift

    reference = generate_columns(rows, REFERENCE_SEED, drifted=False)
    current = generate_columns(rows, CURRENT_SEED, drifted=True)
    data_rss = current_rss_mb()
    started = time.perf_counter()
    baseline = build_baseline(reference, categorical=CATEGORICAL_NAMES)
    built = time.perf_counter()
    report = compute_drift(baseline, current)
    finished = time.perf_counter()
    emit(
        {
            "rows": rows,
            "seconds": finished - started,
            "check_seconds": finished - built,
            "data_rss_mb": data_rss,
            "drifted": len(report.drifted_features),
        }
    )


def run_scipy(rows: int) -> None:
    from scipy import stats

    reference = generate_columns(rows, REFERENCE_SEED, drifted=False)
    current = generate_columns(rows, CURRENT_SEED, drifted=True)
    data_rss = current_rss_mb()
    started = time.perf_counter()
    drifted = 0
    for name in NUMERIC_NAMES:
        left, right = reference[name], current[name]
        result = stats.ks_2samp(left[~np.isnan(left)], right[~np.isnan(right)])
        drifted += result.pvalue < 0.001
    for name in CATEGORICAL_NAMES:
        labels, codes = np.unique(
            np.concatenate([reference[name], current[name]]).astype(str), return_inverse=True
        )
        table = np.vstack(
            [
                np.bincount(codes[:rows], minlength=labels.size),
                np.bincount(codes[rows:], minlength=labels.size),
            ]
        )
        drifted += stats.chi2_contingency(table).pvalue < 0.001
    emit(
        {
            "rows": rows,
            "seconds": time.perf_counter() - started,
            "data_rss_mb": data_rss,
            "drifted": int(drifted),
        }
    )


def run_evidently(rows: int) -> None:
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    reference = pd.DataFrame(generate_columns(rows, REFERENCE_SEED, drifted=False))
    current = pd.DataFrame(generate_columns(rows, CURRENT_SEED, drifted=True))
    data_rss = current_rss_mb()
    definition = DataDefinition(
        numerical_columns=NUMERIC_NAMES, categorical_columns=CATEGORICAL_NAMES
    )
    started = time.perf_counter()
    result = Report([DataDriftPreset()]).run(
        reference_data=Dataset.from_pandas(reference, data_definition=definition),
        current_data=Dataset.from_pandas(current, data_definition=definition),
    )
    seconds = time.perf_counter() - started
    counted = [
        metric["value"]["count"]
        for metric in result.dict()["metrics"]
        if metric["metric_name"].startswith("DriftedColumnsCount")
    ]
    emit(
        {
            "rows": rows,
            "seconds": seconds,
            "data_rss_mb": data_rss,
            "drifted": int(counted[0]) if counted else None,
        }
    )


CAPTURE_LINE = (
    '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
    '"data":"%s","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv; '
    'charset=utf-8","mode":"OUTPUT","data":"0.%04d","encoding":"CSV"}},"eventMetadata":'
    '{"eventId":"bench-%012d","inferenceTime":"2024-05-01T%02d:%02d:%02dZ"},"eventVersion":"0"}\n'
)


def run_generate(rows: int, multiplier: int, directory: Path) -> None:
    """Write the baseline and capture files of ``multiplier * rows`` rows, block by block."""
    sys.path.insert(0, str(REPO / "lambdas"))
    from drift_check.baseline import build_baseline

    baseline = build_baseline(
        generate_columns(rows, REFERENCE_SEED, drifted=False), categorical=CATEGORICAL_NAMES
    )
    (directory / "baseline.json").write_text(baseline.to_json())
    capture = directory / "capture"
    capture.mkdir()
    number_format = ",".join(["%.4f"] * NUMERIC_FEATURES)
    total = rows * multiplier
    per_file = min(ROWS_PER_FILE, rows)
    written = 0
    started = time.perf_counter()
    for file_index in range(-(-total // per_file)):
        file_rows = min(per_file, total - written)
        path = capture / f"part-{file_index:05d}.jsonl"
        with open(path, "w", encoding="ascii", buffering=1 << 20) as handle:
            for block_start in range(0, file_rows, GENERATION_BLOCK):
                block_rows = min(GENERATION_BLOCK, file_rows - block_start)
                rng = np.random.default_rng([CURRENT_SEED, file_index, block_start])
                numeric, categorical = generate_block(rng, block_rows, drifted=True)
                labels = [column.tolist() for column in categorical]
                for offset, values in enumerate(numeric.tolist()):
                    event = written + block_start + offset
                    data = (
                        (number_format % tuple(values)).replace("nan", "")
                        + ","
                        + ",".join(column[offset] for column in labels)
                    )
                    handle.write(
                        CAPTURE_LINE
                        % (
                            data,
                            event % 10_000,
                            event,
                            event // 3600 % 24,
                            event // 60 % 60,
                            event % 60,
                        )
                    )
        written += file_rows
    emit(
        {
            "rows": written,
            "files": file_index + 1,
            "rows_per_file": per_file,
            "seconds": time.perf_counter() - started,
            "bytes": sum(path.stat().st_size for path in capture.iterdir()),
        }
    )


def run_stream(directory: Path, files: int) -> None:
    """Check the first ``files`` capture files, streamed through the chunked reader."""
    sys.path.insert(0, str(REPO / "lambdas"))
    from drift_check.baseline import Baseline
    from drift_check.engine import check_capture

    baseline = Baseline.from_json((directory / "baseline.json").read_text())
    paths = sorted((directory / "capture").iterdir())[:files]
    data_rss = current_rss_mb()

    def streams() -> Iterator[tuple[str, Any]]:
        for path in paths:
            with open(path, "rb") as body:
                yield str(path), body

    started = time.perf_counter()
    report = check_capture(baseline, streams())
    emit(
        {
            "rows": report.rows,
            "seconds": time.perf_counter() - started,
            "data_rss_mb": data_rss,
            "drifted": len(report.drifted_features),
            "malformed": report.malformed_records,
        }
    )
