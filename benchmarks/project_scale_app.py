"""The sandbox environment with N copies of its project, synthesized into a folder.

Usage: ``python -m benchmarks.project_scale_app N OUTDIR`` (used by ``project_scale``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "constructs"))

from app import build_app
from config import load_environment


def main(argv: list[str]) -> int:
    count, outdir = int(argv[0]), argv[1]
    config = load_environment("sandbox")
    (template,) = config.projects
    projects = tuple(
        template.model_copy(update={"name": f"{template.name}-{index:03d}"})
        for index in range(count)
    )
    build_app(config.model_copy(update={"projects": projects}), outdir=outdir).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
