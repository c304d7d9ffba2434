#!/usr/bin/env python3
"""CD4ML Platform: one CDK app, one Stage per environment.

Select the environment with ``-c env=NAME`` (default: ``sandbox``). The config
is validated before aws-cdk-lib is even loaded: a bad value stops here with one
line and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "constructs"))

from config import DEFAULT_ENVIRONMENT, ConfigError, EnvironmentConfig, load_environment  # noqa: E402

if TYPE_CHECKING:
    import aws_cdk as cdk


def feature_flags() -> dict[str, object]:
    """The context of ``cdk.json`` (feature flags), for apps built outside the CLI."""
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    flags = {key: value for key, value in context.items() if key != "env"}
    # What the CLI adds: construct paths in template metadata (auditors and
    # the tests read them) and no version reporting.
    flags["aws:cdk:enable-path-metadata"] = True
    flags["aws:cdk:version-reporting"] = False
    return flags


def build_app(config: EnvironmentConfig, *, outdir: str | None = None) -> cdk.App:
    """The app for one environment with every compliance pack registered."""
    import aws_cdk as cdk

    from cd4ml_constructs.compliance import add_compliance_packs
    from stacks import PlatformStage

    app = cdk.App(
        outdir=outdir,
        context=feature_flags(),
        # The CLI asks apps not to fail on validation errors and judges the
        # report itself, but only for the stacks it selected: stacks inside a
        # Stage would pass unseen. The app fails synth itself instead.
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": True},
        # Templates are validated by cfn-lint (make synth and the tests), which
        # checks more; aws-cdk-lib's built-in copy would add over a second to
        # every synth, deploys included.
        builtin_cloud_formation_validation=False,
    )
    add_compliance_packs(app, allowed_accounts=config.trusted_accounts)
    PlatformStage(app, config.name, config=config)
    return app


def main() -> int:
    try:
        config = load_environment(_selected_environment())
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    app = build_app(config)
    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces ValidationFailed as a RuntimeError
        if "ValidationFailed" not in str(error):
            raise
        from cd4ml_constructs.compliance import validation_summary

        print(validation_summary(Path(app.outdir) / "validation-report.json"), file=sys.stderr)
        return 1
    return 0


def _selected_environment() -> str:
    """``-c env=NAME`` as the CDK CLI passes it, else the default environment."""
    raw = os.environ.get("CDK_CONTEXT_JSON")
    overflow = os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    if overflow and Path(overflow).is_file():
        raw = Path(overflow).read_text(encoding="utf-8")
    context = json.loads(raw or "{}")
    return str(context.get("env") or DEFAULT_ENVIRONMENT)


if __name__ == "__main__":
    sys.exit(main())
