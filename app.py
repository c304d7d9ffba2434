#!/usr/bin/env python3
"""CD4ML Platform: one CDK app, one Stage per environment.

Select the environment with ``-c env=NAME`` (default: ``sandbox``), or the
platform's delivery pipeline with ``-c pipeline=NAME`` (``config/NAME.yaml``,
for example ``delivery``). The config is validated before aws-cdk-lib is even
loaded: a bad value stops here with one line and exit code 2.
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

    from config.delivery import DeliverySettings


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
    from cd4ml_constructs.compliance import add_compliance_packs
    from stacks import PlatformStage

    app = _new_app(outdir)
    add_compliance_packs(app, allowed_accounts=config.trusted_accounts)
    PlatformStage(app, config.name, config=config)
    return app


def build_delivery_app(settings: DeliverySettings, *, outdir: str | None = None) -> cdk.App:
    """The delivery pipeline stack and the stages it deploys, every pack registered."""
    import aws_cdk as cdk

    from cd4ml_constructs.compliance import add_compliance_packs
    from stacks import PlatformStage
    from stacks.delivery_pipeline_stack import DeliveryPipelineStack

    app = _new_app(outdir)
    add_compliance_packs(app, allowed_accounts=settings.trusted_accounts)
    stages = [
        PlatformStage(app, target.name, config=target.environment) for target in settings.targets
    ]
    tooling = settings.config.tooling
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    DeliveryPipelineStack(
        app,
        settings.config.stack_name,
        stack_name=settings.config.stack_name,
        description="CD4ML Platform: the delivery pipeline of the platform's environments",
        env=cdk.Environment(account=tooling.account, region=tooling.region),
        settings=settings,
        stages=stages,
        cli_version=package["devDependencies"]["aws-cdk"],
    )
    return app


def _new_app(outdir: str | None) -> cdk.App:
    import aws_cdk as cdk

    return cdk.App(
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


def main() -> int:
    context = _context()
    try:
        if context.get("pipeline"):
            from config.delivery import load_delivery

            app = build_delivery_app(load_delivery(str(context["pipeline"])))
        else:
            app = build_app(load_environment(str(context.get("env") or DEFAULT_ENVIRONMENT)))
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    try:
        app.synth()
    except RuntimeError as error:  # jsii surfaces ValidationFailed as a RuntimeError
        if "ValidationFailed" not in str(error):
            raise
        from cd4ml_constructs.compliance import validation_summary

        print(validation_summary(Path(app.outdir) / "validation-report.json"), file=sys.stderr)
        return 1
    return 0


def _context() -> dict[str, object]:
    """The context as the CDK CLI passes it (``-c env=NAME``, ``-c pipeline=NAME``)."""
    raw = os.environ.get("CDK_CONTEXT_JSON")
    overflow = os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    if overflow and Path(overflow).is_file():
        raw = Path(overflow).read_text(encoding="utf-8")
    context: dict[str, object] = json.loads(raw or "{}")
    return context


if __name__ == "__main__":
    sys.exit(main())
