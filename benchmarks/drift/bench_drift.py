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
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script (make bench, and each candidate's subprocess): the
    # repository root goes on the path for the benchmark's own modules.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.drift.candidates import (
    run_evidently,
    run_generate,
    run_ours,
    run_scipy,
    run_stream,
)
from benchmarks.drift.drift_data import (
    BENCH_VENV_PYTHON,
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    REPO,
    TARGET_MEMORY_RATIO,
    TARGET_SPEEDUP,
)


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
