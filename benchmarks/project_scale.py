"""Project scale benchmark: synth time and stack sizes with 1, 10 and 100 ML projects.

Each count runs as a user's synth runs (a fresh Python process writing a cloud
assembly, every compliance pack included): the sandbox environment with its
one project copied under new names. Prints the wall time of each count, its
ratio to one project (target: 100 projects at most 8x one project), and the
largest stack's resource count (target: under 400; CloudFormation stops at 500).

Usage: ``python -m benchmarks.project_scale [--counts 1 10 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 8.0
RESOURCE_LIMIT = 400


def synth(count: int, outdir: Path) -> float:
    """Wall seconds for one synth of the sandbox with ``count`` projects into ``outdir``."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.project_scale_app", str(count), str(outdir)],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


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
    times: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.counts:
            outdir = Path(scratch) / f"projects-{count}"
            times[count] = synth(count, outdir)
            stack, resources = largest_stack(outdir)
            ratio = times[count] / times[args.counts[0]]
            print(
                f"{count:>4} project(s): {times[count]:6.1f} s  ({ratio:4.1f}x)  "
                f"largest stack {stack} with {resources} resources"
            )
            if resources >= RESOURCE_LIMIT:
                print(f"     MISSES the limit of {RESOURCE_LIMIT} resources per stack")
    first, last = args.counts[0], args.counts[-1]
    ratio = times[last] / times[first]
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"{last} projects take {ratio:.1f}x {first} ({verdict} the target of <= {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
