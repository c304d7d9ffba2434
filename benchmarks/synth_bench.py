"""Synth benchmark: the full sandbox platform against a one-bucket CDK app.

Both run as a user's ``cdk synth`` runs them (a fresh Python process writing a
cloud assembly), alternating so that machine noise hits both alike. Prints the
median wall time of each and their ratio; the target is a ratio <= 2.0.

Usage: ``python -m benchmarks.synth_bench [--runs 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0


def timed_synth(script: Path, outdir: Path) -> float:
    """Wall seconds for one synth of ``script`` into ``outdir``."""
    environment = {**os.environ, "CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": "{}"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each app (default 5)")
    args = parser.parse_args(argv)
    apps = {
        "sandbox platform": ROOT / "app.py",
        "one-bucket app": ROOT / "benchmarks/one_bucket_app.py",
    }
    times: dict[str, list[float]] = {name: [] for name in apps}
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.runs):
            for name, script in apps.items():
                times[name].append(timed_synth(script, Path(scratch) / f"{run}-{script.stem}"))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<18} median {medians[name]:6.2f} s   runs: {runs}")
    ratio = medians["sandbox platform"] / medians["one-bucket app"]
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio {ratio:.2f} ({verdict} the target of <= {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
