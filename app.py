#!/usr/bin/env python3
"""CD4ML Platform: one CDK app, one Stage per environment.

Select the environment with ``-c env=NAME`` (default: ``sandbox``). A bad
config stops here with one line and exit code 2, before any stack is built.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "constructs"))

import aws_cdk as cdk  # noqa: E402
from cd4ml_constructs.compliance import add_compliance_packs, validation_summary  # noqa: E402

from config import DEFAULT_ENVIRONMENT, ConfigError, EnvironmentConfig, load_environment  # noqa: E402
from stacks import PlatformStage  # noqa: E402


def feature_flags() -> dict[str, object]:
    """The context of ``cdk.json`` (feature flags), for apps built outside the CLI."""
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return {key: value for key, value in context.items() if key != "env"}


def build_app(config: EnvironmentConfig, *, outdir: str | None = None) -> cdk.App:
    """The app for one environment with every compliance pack registered."""
    app = cdk.App(
        outdir=outdir,
        context=feature_flags(),
        # The CLI asks apps not to fail on validation errors and judges the
        # report itself, but only for the stacks it selected: stacks inside a
        # Stage would pass unseen. The app fails synth itself instead.
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": True},
    )
    add_compliance_packs(app)
    PlatformStage(app, config.name, config=config)
    return app


def main() -> int:
    name = _selected_environment()
    try:
        config = load_environment(name)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    app = build_app(config)
    try:
        app.synth()
    except Exception as error:  # jsii surfaces ValidationFailed as a JavaScript error
        report = Path(app.outdir) / "validation-report.json"
        if "ValidationFailed" not in repr(error) and not report.is_file():
            raise
        print(validation_summary(report), file=sys.stderr)
        return 1
    return 0


def _selected_environment() -> str:
    """``-c env=NAME`` as the CDK CLI passes it (CDK_CONTEXT_JSON), else the default."""
    context = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
    return str(context.get("env") or DEFAULT_ENVIRONMENT)


if __name__ == "__main__":
    sys.exit(main())
