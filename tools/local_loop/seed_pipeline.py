"""The model-build seed code inside the local loop: its settings, its definition, its steps.

The local loop runs the seed code's ``pipeline.py upsert`` (the SageMaker
Python SDK v3) against moto for each project, with the values the platform's
CodeBuild would give it: the project's policy, the environment's buckets and
artifacts key. Network values are placeholders, since nothing runs in a VPC
here. Importing the SDK takes a few seconds, once per process.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import Any, Final

SEED_CODE: Final = Path(__file__).resolve().parents[2] / "pipeline_templates/model_build/seed_code"
STEPS_DIR: Final = SEED_CODE / "steps"
DRIFT_ENGINE_DIR: Final = Path(__file__).resolve().parents[2] / "lambdas" / "drift_check"


def import_seed_code() -> None:
    """Put the seed code on ``sys.path`` as its containers see it (steps by their own names)."""
    for path in (STEPS_DIR, SEED_CODE):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def build_environment(
    policy: dict[str, Any], *, artifacts_bucket: str, artifacts_key_arn: str, raw_bucket: str
) -> dict[str, str]:
    """The variables the platform's model-build CodeBuild project sets for ``policy``'s project."""
    project = policy["project"]
    environment = policy["model_build_pipeline"].removeprefix("cd4ml-").split("-")[0]
    return {
        "CD4ML_ENVIRONMENT": environment,
        "CD4ML_PROJECT": project,
        "PIPELINE_NAME": policy["model_build_pipeline"],
        "PIPELINE_ROLE_ARN": f"arn:aws:iam::123456789012:role/local-{project}-build-pipeline",
        "MODEL_PACKAGE_GROUP": policy["model_package_group"],
        "ARTIFACTS_BUCKET": artifacts_bucket,
        "ARTIFACTS_PREFIX": f"projects/{project}/build",
        "KMS_KEY_ARN": artifacts_key_arn,
        "SUBNET_IDS": "subnet-00000000000000001,subnet-00000000000000002",
        "SECURITY_GROUP_IDS": "sg-00000000000000001",
        "RAW_DATA_URI": f"s3://{raw_bucket}/{policy['retrain']['raw_prefix']}",
        "METRIC_NAME": policy["metric"]["name"],
        "METRIC_DIRECTION": policy["metric"]["direction"],
        "MIN_THRESHOLD": str(policy["min_threshold"]),
        "AWS_REGION": "us-east-1",
        "CODEBUILD_RESOLVED_SOURCE_VERSION": "local0000000000000000000000000000000000000",
    }


def upsert_seed_pipeline(environment: dict[str, str]) -> str:
    """Run the seed code's ``pipeline.py upsert`` against the (moto) account; the pipeline ARN.

    As CodeBuild does after a push: the step code and the drift engine are
    uploaded under ``code/<id>/`` with the artifacts key, and the pipeline's
    definition is replaced by the seed code's.
    """
    import_seed_code()
    from build_pipeline.code_bundle import CodeBundle
    from build_pipeline.settings import BuildSettings
    from pipeline import prepare_sdk_environment, upsert

    settings = BuildSettings.from_environment(environment)
    prepare_sdk_environment(settings.region)
    import build_pipeline.definition  # noqa: F401 (the SDK, imported here to quiet its loggers)

    # The SDK logs its progress (and turns on logging for botocore); here that would
    # bury the loop's trace.
    for name in list(logging.Logger.manager.loggerDict):
        if name.split(".")[0] in ("sagemaker", "botocore"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return upsert(settings, CodeBundle.build(drift_engine=DRIFT_ENGINE_DIR))
