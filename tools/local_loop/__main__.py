"""Run the CD4ML loop locally: ``python -m tools.local_loop [--json] [--scenario NAME]``.

Synthesizes the environment (or reads ``--assembly DIR``), then plays each
scenario against a fresh moto world with the real handlers, routing events by
the rules in the synthesized templates. Prints a step-by-step trace, or with
``--json`` a summary per scenario that carries its trace lines. Exits 1 when a scenario misses an
expectation.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from tools.cloud_assembly import CloudAssembly
from tools.local_loop.scenarios import SCENARIOS, check
from tools.local_loop.world import LocalLoop


def synthesize(environment: str, outdir: Path) -> CloudAssembly:
    """Synthesize ``environment`` into ``outdir`` with the app's own builder."""
    from app import build_app
    from config import load_environment

    build_app(load_environment(environment), outdir=str(outdir)).synth()
    return CloudAssembly.load(outdir)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Run the CD4ML loop locally against moto.")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON summary per scenario, its trace inside"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS],
        help="run only this scenario (repeatable); default: all",
    )
    parser.add_argument("--env", default="sandbox", help="environment to synthesize")
    parser.add_argument("--assembly", type=Path, help="an already synthesized cdk.out to read")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        assembly = (
            CloudAssembly.load(args.assembly)
            if args.assembly
            else synthesize(args.env, Path(scratch))
        )
        selected = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
        results = []
        traces: list[list[str]] = []
        for scenario in selected:
            lines: list[str] = []
            trace = lines.append if args.json else print
            if not args.json:
                print()
            trace(f"=== {scenario.name}: {scenario.description}")
            with LocalLoop(assembly, trace=trace, hold_builds=scenario.hold_builds) as loop:
                expected = scenario.play(loop)
                result = check(scenario, loop, expected)
            results.append(result)
            verdict = "PASS" if result.passed else "FAIL: " + "; ".join(result.failures)
            trace(
                f"--- {verdict} | runs started {result.executions_started}, "
                f"deploys {result.deploys or 'none'}, notifications "
                f"{len(result.notifications)}, dead-lettered {result.dead_lettered}"
            )
            traces.append(lines)
    if args.json:
        summaries = [
            {**r.as_json(), "trace": lines} for r, lines in zip(results, traces, strict=True)
        ]
        print(json.dumps(summaries, indent=2))
    else:
        passed = sum(r.passed for r in results)
        print(f"\n{passed} passed, {len(results) - passed} failed")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
