"""Write the audit bundle of every environment in a cloud assembly.

Usage: ``python -m tools.audit [cdk.out] [--env NAME]``. Writes
``<cdk.out>/audit/<environment>/`` and prints where. Exit code 2 when the
assembly holds no stack of the environment asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from config import ConfigError, load_environment
from tools.audit.bundle import build_bundle, write_bundle
from tools.cloud_assembly import CloudAssembly


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.audit", description=__doc__)
    parser.add_argument("assembly", nargs="?", default="cdk.out", type=Path)
    parser.add_argument("--env", help="one environment (default: every one in the assembly)")
    args = parser.parse_args(argv)
    assembly = CloudAssembly.load(args.assembly)
    environments = sorted({stack.display_name.split("/", 1)[0] for stack in assembly.stacks})
    if args.env:
        if args.env not in environments:
            print(f"audit: no stack of {args.env!r} in {args.assembly}", file=sys.stderr)
            return 2
        environments = [args.env]
    for name in environments:
        try:
            config = load_environment(name)
        except ConfigError as error:
            print(f"config error: {error}", file=sys.stderr)
            return 2
        parts = build_bundle(assembly, config)
        index = write_bundle(args.assembly / "audit" / name, parts)
        print(f"audit bundle: {index} ({len(parts) - 1} parts and an index)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
