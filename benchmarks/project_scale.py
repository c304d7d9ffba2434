"""Project scale benchmark: synth time and stack sizes with 1, 10 and 100 ML projects.

Each count runs as a user's synth runs (a fresh Python process writing a cloud
assembly, every compliance pack included): the sandbox environment with its
one project copied under new names. Prints the wall time of each count and
its CPU time (the synth's processes: Python and the jsii runtime's Node, which
a busy machine inflates less than wall time), their ratios to one project
(target: 100 projects at most 8x one project), and the largest stack's
resource count. Exits 1 when any stack reaches 400 resources (CloudFormation
stops at 500).

Usage: ``python -m benchmarks.project_scale [--counts 1 10 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 8.0
RESOURCE_LIMIT = 400


def synth(count: int, outdir: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one synth of the sandbox with ``count`` projects into ``outdir``."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.project_scale_app", str(count), str(outdir)],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def largest_stack(outdir: Path) -> tuple[str, int]:
    """The stack with the most resources in the assembly under ``outdir``."""
    sizes = {
        path.name: len(json.loads(path.read_text(encoding="utf-8")).get("Resources", {}))
        for path in outdir.rglob("*.template.json")
    }
    name = max(sizes, key=lambda key: sizes[key])
    return name, sizes[name]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args(argv)
    times: dict[int, tuple[float, float]] = {}
    too_large: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.counts:
            outdir = Path(scratch) / f"projects-{count}"
            times[count] = synth(count, outdir)
            stack, resources = largest_stack(outdir)
            wall, cpu = times[count]
            first_wall, first_cpu = times[args.counts[0]]
            print(
                f"{count:>4} project(s): {wall:6.1f} s wall ({wall / first_wall:4.1f}x), "
                f"{cpu:6.1f} s CPU ({cpu / first_cpu:4.1f}x); "
                f"largest stack {stack} with {resources} resources"
            )
            if resources >= RESOURCE_LIMIT:
                too_large.append(f"{count} projects: {stack} has {resources} resources")
    first, last = args.counts[0], args.counts[-1]
    for label, index in (("wall", 0), ("CPU", 1)):
        ratio = times[last][index] / times[first][index]
        verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
        print(
            f"{label}: {last} projects take {ratio:.1f}x {first} "
            f"({verdict} the target of <= {TARGET_RATIO}x)"
        )
    for problem in too_large:
        print(f"MISSES the limit of {RESOURCE_LIMIT} resources per stack: {problem}")
    return 1 if too_large else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
