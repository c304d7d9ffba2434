"""What the model-build pipeline is built from: the environment the platform's CodeBuild sets.

The platform's model-build project runs ``buildspec.yml`` with these variables
(names are the platform's contract; see the template README):

``CD4ML_ENVIRONMENT``, ``CD4ML_PROJECT``, ``PIPELINE_NAME``, ``PIPELINE_ROLE_ARN``,
``MODEL_PACKAGE_GROUP``, ``ARTIFACTS_BUCKET``, ``ARTIFACTS_PREFIX``, ``KMS_KEY_ARN``,
``SUBNET_IDS`` and ``SECURITY_GROUP_IDS`` (comma-separated), ``RAW_DATA_URI``,
``METRIC_NAME``, ``METRIC_DIRECTION``, ``MIN_THRESHOLD``, ``AWS_REGION`` and
``CODEBUILD_RESOLVED_SOURCE_VERSION``.

A missing or malformed variable stops the build with one line naming it, its
value and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

REQUIRED: Final = (
    "CD4ML_ENVIRONMENT",
    "CD4ML_PROJECT",
    "PIPELINE_NAME",
    "PIPELINE_ROLE_ARN",
    "MODEL_PACKAGE_GROUP",
    "ARTIFACTS_BUCKET",
    "ARTIFACTS_PREFIX",
    "KMS_KEY_ARN",
    "SUBNET_IDS",
    "SECURITY_GROUP_IDS",
    "RAW_DATA_URI",
    "METRIC_NAME",
    "METRIC_DIRECTION",
    "MIN_THRESHOLD",
    "AWS_REGION",
)
# The metrics the evaluate step writes (steps/evaluate.py METRICS).
EVALUATED_METRICS: Final = ("auc", "accuracy", "precision", "recall", "f1")
DIRECTIONS: Final = ("higher", "lower")

# Values for `pipeline.py definition --example`: the shape of a sandbox project.
EXAMPLE_ENVIRONMENT: Final = {
    "CD4ML_ENVIRONMENT": "sandbox",
    "CD4ML_PROJECT": "churn",
    "PIPELINE_NAME": "cd4ml-sandbox-churn-build",
    "PIPELINE_ROLE_ARN": "arn:aws:iam::123456789012:role/cd4ml-sandbox-churn-build-pipeline",
    "MODEL_PACKAGE_GROUP": "cd4ml-sandbox-churn",
    "ARTIFACTS_BUCKET": "cd4ml-sandbox-artifacts-123456789012",
    "ARTIFACTS_PREFIX": "projects/churn/build",
    "KMS_KEY_ARN": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    "SUBNET_IDS": "subnet-0aaaaaaaaaaaaaaaa,subnet-0bbbbbbbbbbbbbbbb",
    "SECURITY_GROUP_IDS": "sg-0cccccccccccccccc",
    "RAW_DATA_URI": "s3://cd4ml-sandbox-raw-123456789012/churn/",
    "METRIC_NAME": "auc",
    "METRIC_DIRECTION": "higher",
    "MIN_THRESHOLD": "0.75",
    "AWS_REGION": "us-east-1",
    "CODEBUILD_RESOLVED_SOURCE_VERSION": "0000000000000000000000000000000000000000",
}

_PATTERNS: Final = {
    "PIPELINE_ROLE_ARN": (r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", "an IAM role ARN"),
    "KMS_KEY_ARN": (r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[\w-]+", "a KMS key ARN"),
    "ARTIFACTS_BUCKET": (r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name"),
    "ARTIFACTS_PREFIX": (r"[\w!.*'()/-]+[^/]", "an S3 key prefix without a trailing /"),
    "RAW_DATA_URI": (r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.*", "an s3:// URI"),
    "AWS_REGION": (r"[a-z]{2}(-[a-z]+)+-\d", "an AWS region code"),
}


class SettingsError(ValueError):
    """A build environment variable is missing or not allowed."""


@dataclass(frozen=True)
class BuildSettings:
    """The platform's values for this project's model-build pipeline."""

    environment: str
    project: str
    pipeline_name: str
    pipeline_role_arn: str
    model_package_group: str
    artifacts_bucket: str
    artifacts_prefix: str
    kms_key_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    raw_data_uri: str
    metric_name: str
    metric_direction: str
    min_threshold: float
    region: str
    code_commit: str

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> BuildSettings:
        """Read and check the variables; raises :class:`SettingsError` naming the first bad one."""
        missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
        if missing:
            raise SettingsError(f"missing environment variables: {', '.join(missing)}")
        value = {name: environ[name].strip() for name in REQUIRED}
        for name, (pattern, allowed) in _PATTERNS.items():
            if not re.fullmatch(pattern, value[name]):
                raise SettingsError(f"{name}: {value[name]!r} is not allowed; expected {allowed}")
        metric = value["METRIC_NAME"]
        if metric not in EVALUATED_METRICS:
            raise SettingsError(
                f"METRIC_NAME: {metric!r} is not allowed; the evaluate step writes "
                f"{', '.join(EVALUATED_METRICS)}"
            )
        if value["METRIC_DIRECTION"] not in DIRECTIONS:
            raise SettingsError(
                f"METRIC_DIRECTION: {value['METRIC_DIRECTION']!r} is not allowed; "
                f"expected one of {', '.join(DIRECTIONS)}"
            )
        try:
            threshold = float(value["MIN_THRESHOLD"])
        except ValueError:
            threshold = math.nan
        if not math.isfinite(threshold):
            raise SettingsError(
                f"MIN_THRESHOLD: {value['MIN_THRESHOLD']!r} is not allowed; expected a number"
            )
        return cls(
            environment=value["CD4ML_ENVIRONMENT"],
            project=value["CD4ML_PROJECT"],
            pipeline_name=value["PIPELINE_NAME"],
            pipeline_role_arn=value["PIPELINE_ROLE_ARN"],
            model_package_group=value["MODEL_PACKAGE_GROUP"],
            artifacts_bucket=value["ARTIFACTS_BUCKET"],
            artifacts_prefix=value["ARTIFACTS_PREFIX"],
            kms_key_arn=value["KMS_KEY_ARN"],
            subnet_ids=_id_list(value, "SUBNET_IDS", "subnet-"),
            security_group_ids=_id_list(value, "SECURITY_GROUP_IDS", "sg-"),
            raw_data_uri=value["RAW_DATA_URI"],
            metric_name=metric,
            metric_direction=value["METRIC_DIRECTION"],
            min_threshold=threshold,
            region=value["AWS_REGION"],
            code_commit=environ.get("CODEBUILD_RESOLVED_SOURCE_VERSION", "").strip() or "unknown",
        )

    @property
    def build_uri(self) -> str:
        """``s3://<artifacts bucket>/<artifacts prefix>``: where every build output goes."""
        return f"s3://{self.artifacts_bucket}/{self.artifacts_prefix}"


def _id_list(value: Mapping[str, str], name: str, prefix: str) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in value[name].split(",") if part.strip())
    bad = [item for item in ids if not re.fullmatch(rf"{prefix}[0-9a-f]{{8,17}}", item)]
    if not ids or bad:
        raise SettingsError(
            f"{name}: {value[name]!r} is not allowed; expected comma-separated {prefix}... ids"
        )
    return ids
