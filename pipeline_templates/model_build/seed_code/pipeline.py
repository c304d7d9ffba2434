"""The model-build pipeline's command line: ``python pipeline.py upsert`` or ``definition``.

``upsert`` (what ``buildspec.yml`` runs in the platform's CodeBuild project)
uploads the step code with the platform's drift engine to
``s3://<ARTIFACTS_BUCKET>/<ARTIFACTS_PREFIX>/code/<id>/`` (SSE-KMS with
``KMS_KEY_ARN``) and creates or updates the SageMaker pipeline ``PIPELINE_NAME``.

``definition`` prints the pipeline definition JSON and calls no AWS API: the code
bundle's address is computed from its content, not uploaded. ``--example``
fills in a sandbox project's values instead of reading the environment.

Both read the environment described in ``build_pipeline/settings.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_pipeline.code_bundle import CodeBundle, DriftEngineNotFound, find_drift_engine
from build_pipeline.settings import EXAMPLE_ENVIRONMENT, BuildSettings, SettingsError


def prepare_sdk_environment(region: str) -> None:
    """What the SageMaker SDK needs before it is imported, to build a definition offline."""
    os.environ["AWS_DEFAULT_REGION"] = region
    # Role validation simulates the role's policy through IAM: not at build time.
    os.environ["SAGEMAKER_VALIDATE_ROLE"] = "false"


def definition_json(settings: BuildSettings, bundle: CodeBundle) -> str:
    """The pipeline definition of ``settings`` running ``bundle``, as JSON."""
    prepare_sdk_environment(settings.region)
    from build_pipeline.definition import build_pipeline
    from build_pipeline.sdk_session import pipeline_session

    pipeline = build_pipeline(
        settings, code_uri=bundle.uri(settings.build_uri), session=pipeline_session(settings)
    )
    return str(pipeline.definition())


def upsert(settings: BuildSettings, bundle: CodeBundle) -> str:
    """Upload ``bundle`` and create or update the pipeline; returns the pipeline ARN."""
    prepare_sdk_environment(settings.region)
    import boto3

    from build_pipeline.definition import build_pipeline
    from build_pipeline.sdk_session import pipeline_session

    code_uri = bundle.upload(
        boto3.client("s3", region_name=settings.region),
        bucket=settings.artifacts_bucket,
        prefix=settings.artifacts_prefix,
        kms_key_arn=settings.kms_key_arn,
    )
    pipeline = build_pipeline(settings, code_uri=code_uri, session=pipeline_session(settings))
    response = pipeline.upsert(
        role_arn=settings.pipeline_role_arn,
        description=f"CD4ML model build of {settings.project} ({settings.environment})",
        tags=[
            {"Key": "cd4ml:environment", "Value": settings.environment},
            {"Key": "cd4ml:project", "Value": settings.project},
        ],
    )
    return str(response["PipelineArn"])


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description="Build or show the model-build pipeline.")
    parser.add_argument("command", choices=("upsert", "definition"))
    parser.add_argument(
        "--example", action="store_true", help="definition only: use a sandbox project's values"
    )
    arguments = parser.parse_args(argv)
    if arguments.example and arguments.command != "definition":
        parser.error("--example builds a definition only")
    source = {**environ, **EXAMPLE_ENVIRONMENT} if arguments.example else environ
    try:
        settings = BuildSettings.from_environment(source)
        bundle = CodeBundle.build(drift_engine=find_drift_engine(environ))
    except (SettingsError, DriftEngineNotFound) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.command == "definition":
        print(json.dumps(json.loads(definition_json(settings, bundle)), indent=2, sort_keys=True))
    else:
        arn = upsert(settings, bundle)
        print(f"upserted {arn} with code {bundle.uri(settings.build_uri)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
