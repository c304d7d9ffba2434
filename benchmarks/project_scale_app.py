"""The sandbox environment with N copies of its project, synthesized into a folder.

Usage: ``python -m benchmarks.project_scale_app N OUTDIR`` (used by ``project_scale``
and by the project scale test).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "constructs"))

from app import build_app
from config import EnvironmentConfig, load_environment


def scaled_sandbox(count: int) -> EnvironmentConfig:
    """The sandbox with its one project copied as ``<name>-000`` ... ``<name>-<count-1>``."""
    config = load_environment("sandbox")
    (template,) = config.projects
    projects = tuple(
        template.model_copy(update={"name": f"{template.name}-{index:03d}"})
        for index in range(count)
    )
    return config.model_copy(update={"projects": projects})


def main(argv: list[str]) -> int:
    count, outdir = int(argv[0]), argv[1]
    build_app(scaled_sandbox(count), outdir=outdir).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
