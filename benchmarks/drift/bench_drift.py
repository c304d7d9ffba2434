"""Drift benchmark: our engine against Evidently and plain scipy, then streaming capture.

Usage (from the repository root)::

    bash benchmarks/drift/setup_env.sh                       # once: Evidently's own venv
    .venv/bin/python benchmarks/drift/bench_drift.py         # full: 1,000,000 rows
    .venv/bin/python benchmarks/drift/bench_drift.py --rows 100000   # quick smoke run

Part 1, in memory. Generated data, ``--rows`` rows x 50 numeric + 10 categorical
features, a reference and a current window (5 numeric features shifted by a quarter
of a standard deviation, 2 categorical features with changed frequencies, missing
values in 5 features; numeric shapes: normal, lognormal, uniform, gamma, counts).
Each candidate runs in a subprocess of its own, on the same data (same seeds), and is
timed from reference and current in memory to the result:

* ours: ``build_baseline(reference)`` then ``compute_drift(baseline, current)``
  (also reported: the check alone, with the baseline built beforehand, as in
  production where the build pipeline makes it once);
* scipy: ``ks_2samp`` per numeric and ``chi2_contingency`` per categorical feature;
* Evidently 0.7.23 ``DataDriftPreset``, from ``.venv-bench-drift`` (reported as not
  available when that environment is missing).

Rows per second = current window rows / seconds. Peak memory is each subprocess's
own peak resident set size (``os.wait4`` rusage), shown with the part above the
process's RSS once its data was in memory.

Part 2, streaming. JSON Lines capture files (SageMaker's format, CSV payloads, one
row per request) holding ``--rows`` and ``--stream-multiplier`` x ``--rows`` rows
are written to a temporary folder by a streaming generator (block by block), then
read by ``check_capture`` through the same chunked reader as S3 bodies. The peak
memory of the check must not grow with the rows read.

Targets: our rows per second >= 10 x Evidently's; peak memory streaming the large
set <= 1.5 x the peak streaming the small one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def current_rss_mb() -> float:
    """This process's resident set size now."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def emit(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result), flush=True)


# --- candidates (each runs in its own subprocess) --------------------------------------


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


# --- orchestration ---------------------------------------------------------------------


def run_subprocess(python: Path | str, arguments: list[str]) -> dict[str, Any]:
    """Run one candidate; its result, its own peak RSS (MB) and its exit status."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "lambdas")}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [str(python), str(Path(__file__).resolve()), *arguments],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment,
            cwd=REPO,
        )
        assert process.stdout is not None
        output = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        error_tail = errors.read().decode(errors="replace")[-2000:]
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    if process.returncode != 0 or not lines:
        return {"failed": True, "error": error_tail.strip() or output[-2000:]}
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def format_row(name: str, result: dict[str, Any], seconds_key: str = "seconds") -> str:
    if result.get("failed"):
        return f"{name:<34} failed: {result['error'].splitlines()[-1] if result['error'] else ''}"
    if result.get("unavailable"):
        return f"{name:<34} not available: {result['reason']}"
    seconds = result[seconds_key]
    rows = result["rows"]
    over = result["peak_rss_mb"] - result.get("data_rss_mb", 0.0)
    drifted = result.get("drifted")
    return (
        f"{name:<34} {rows:>10,} {seconds:>9.2f} {rows / seconds:>13,.0f} "
        f"{result['peak_rss_mb']:>12,.0f} {over:>12,.0f} {'' if drifted is None else drifted:>8}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument(
        "--stream-multiplier", type=int, default=5, help="large capture set = N x rows (5)"
    )
    parser.add_argument("--skip-evidently", action="store_true", help="do not run Evidently")
    parser.add_argument("--workdir", type=Path, help="where capture files go (default: temp)")
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON")
    parser.add_argument("--candidate", help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)

    if arguments.candidate:
        candidates = {
            "ours": lambda: run_ours(arguments.rows),
            "scipy": lambda: run_scipy(arguments.rows),
            "evidently": lambda: run_evidently(arguments.rows),
            "generate": lambda: run_generate(
                arguments.rows, arguments.stream_multiplier, arguments.directory
            ),
            "stream": lambda: run_stream(arguments.directory, arguments.files),
        }
        candidates[arguments.candidate]()
        return 0

    rows = arguments.rows
    project_python = sys.executable
    print(
        f"drift benchmark: {rows:,} rows x {NUMERIC_FEATURES} numeric + "
        f"{CATEGORICAL_FEATURES} categorical features; {os.cpu_count()} CPUs",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    results["ours"] = run_subprocess(project_python, ["--candidate", "ours", "--rows", str(rows)])
    print("  ours done", flush=True)
    results["scipy"] = run_subprocess(project_python, ["--candidate", "scipy", "--rows", str(rows)])
    print("  scipy done", flush=True)
    if arguments.skip_evidently:
        results["evidently"] = {"unavailable": True, "reason": "skipped (--skip-evidently)"}
    elif not BENCH_VENV_PYTHON.exists():
        results["evidently"] = {
            "unavailable": True,
            "reason": "no .venv-bench-drift (run benchmarks/drift/setup_env.sh)",
        }
    else:
        results["evidently"] = run_subprocess(
            BENCH_VENV_PYTHON, ["--candidate", "evidently", "--rows", str(rows)]
        )
        if results["evidently"].get("failed") and "No module named" in results["evidently"].get(
            "error", ""
        ):
            results["evidently"] = {"unavailable": True, "reason": "evidently not installed"}
    print("  evidently done", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="drift-bench-", dir=arguments.workdir))
    try:
        generation = run_subprocess(
            project_python,
            [
                *("--candidate", "generate", "--rows", str(rows)),
                *("--stream-multiplier", str(arguments.stream_multiplier)),
                *("--directory", str(workdir)),
            ],
        )
        if generation.get("failed"):
            print(f"capture generation failed: {generation['error']}")
            return 1
        print(
            f"  capture written: {generation['rows']:,} rows in {generation['files']} files, "
            f"{generation['bytes'] / 1e9:.2f} GB, {generation['seconds']:.0f} s",
            flush=True,
        )
        small_files = -(-rows // generation["rows_per_file"])
        results["stream_small"] = run_subprocess(
            project_python,
            ["--candidate", "stream", "--directory", str(workdir), "--files", str(small_files)],
        )
        print("  small capture set done", flush=True)
        results["stream_large"] = run_subprocess(
            project_python,
            ["--candidate", "stream", "--directory", str(workdir), "--files", str(10**9)],
        )
        print("  large capture set done", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{'candidate':<34} {'rows':>10} {'seconds':>9} {'rows/s':>13} "
        f"{'peak RSS MB':>12} {'over data MB':>12} {'drifted':>8}"
    )
    print(format_row("ours: baseline + check", results["ours"]))
    if not results["ours"].get("failed"):
        print(format_row("ours: check, baseline prebuilt", results["ours"], "check_seconds"))
    print(format_row("scipy: ks_2samp + chi2_contingency", results["scipy"]))
    print(format_row("evidently: DataDriftPreset", results["evidently"]))
    print(format_row("ours: streaming capture", results["stream_small"]))
    print(format_row("ours: streaming capture", results["stream_large"]))
    print(
        "(drifted: features flagged; the data has 7 drifted features. "
        "over data: peak RSS less the RSS with the data loaded.)"
    )

    print()
    verdicts_ok = True
    ours, evidently = results["ours"], results["evidently"]
    if ours.get("failed"):
        print("throughput target: ours failed")
        verdicts_ok = False
    elif evidently.get("failed") or evidently.get("unavailable"):
        print("throughput target: not judged, Evidently did not run")
    else:
        speedup = (ours["rows"] / ours["seconds"]) / (evidently["rows"] / evidently["seconds"])
        passed = speedup >= TARGET_SPEEDUP
        verdicts_ok &= passed
        print(
            f"throughput target (>= {TARGET_SPEEDUP:.0f}x Evidently): {speedup:.1f}x -> "
            f"{'PASS' if passed else 'FAIL'}"
        )
    small, large = results["stream_small"], results["stream_large"]
    if small.get("failed") or large.get("failed"):
        print("memory target: streaming check failed")
        verdicts_ok = False
    else:
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        passed = ratio <= TARGET_MEMORY_RATIO
        verdicts_ok &= passed
        print(
            f"memory target (peak at {large['rows']:,} rows <= {TARGET_MEMORY_RATIO}x peak at "
            f"{small['rows']:,}): {large['peak_rss_mb']:.0f} MB / {small['peak_rss_mb']:.0f} MB"
            f" = {ratio:.2f}x -> {'PASS' if passed else 'FAIL'}"
        )
    if arguments.json_out:
        arguments.json_out.write_text(json.dumps(results, indent=1) + "\n")
    return 0 if verdicts_ok else 1


if __name__ == "__main__":
    sys.exit(main())
