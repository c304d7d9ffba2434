"""Publish the deployed model's drift baseline where the project's drift check reads it.

Runs last, once the production endpoint serves the new model. The drift check
of the production endpoint reads its baseline at
``s3://<artifacts bucket>/drift-baselines/<project>/<endpoint>/baseline.json``
(``lambdas/drift_check/scheduled_check.py``); this script copies the deployed
model package's ``DriftCheckBaselines.ModelDataQuality.Statistics`` there, so
drift is measured against the training data of the model that serves, not of
the one before. The copy is refused, and nothing is written, when the package
has no such baseline, when it lies outside the project's build prefix, or when
it is not a JSON document with features. Publishing the same package twice
writes the same bytes.

Environment: ``MODEL_PACKAGE_ARN``, ``BASELINE_SOURCE_URI`` (the project's build
prefix, ``s3://<bucket>/projects/<project>/build/``), ``BASELINE_URI`` (where the
drift check reads), ``KMS_KEY_ARN`` (the artifacts key, for SSE-KMS).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


class BaselineRefused(Exception):
    """The package's baseline cannot be published; the message says why."""


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` as bucket and key."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise BaselineRefused(f"{uri!r} is not an s3://bucket/key URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def baseline_uri_of(sagemaker: Any, model_package_arn: str) -> str:
    """The package's ``DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri``."""
    package = sagemaker.describe_model_package(ModelPackageName=model_package_arn)
    uri = (
        package.get("DriftCheckBaselines", {})
        .get("ModelDataQuality", {})
        .get("Statistics", {})
        .get("S3Uri")
    )
    if not uri:
        raise BaselineRefused(
            f"{model_package_arn} has no DriftCheckBaselines.ModelDataQuality.Statistics: "
            "register the build's baseline with the package"
        )
    return str(uri)


def publish_baseline(
    sagemaker: Any,
    s3: Any,
    *,
    model_package_arn: str,
    source_uri: str,
    baseline_uri: str,
    kms_key_arn: str,
) -> str:
    """Copy the package's baseline to ``baseline_uri``; return the URI it was read from."""
    uri = baseline_uri_of(sagemaker, model_package_arn)
    if not uri.startswith(source_uri.rstrip("/") + "/"):
        raise BaselineRefused(f"{uri} is outside the project's build prefix {source_uri}")
    bucket, key = split_uri(uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        document = json.loads(body)
    except ValueError as error:
        raise BaselineRefused(f"{uri} is not JSON: {error}") from error
    if not isinstance(document, dict) or not document.get("features"):
        raise BaselineRefused(f"{uri} is not a drift baseline (no features)")
    target_bucket, target_key = split_uri(baseline_uri)
    s3.put_object(
        Bucket=target_bucket,
        Key=target_key,
        Body=body,
        ContentType="application/json",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=kms_key_arn,
    )
    return uri


def main() -> int:
    import boto3

    environ = os.environ
    target = environ["BASELINE_URI"]
    try:
        source = publish_baseline(
            boto3.client("sagemaker"),
            boto3.client("s3"),
            model_package_arn=environ["MODEL_PACKAGE_ARN"],
            source_uri=environ["BASELINE_SOURCE_URI"],
            baseline_uri=target,
            kms_key_arn=environ["KMS_KEY_ARN"],
        )
    except BaselineRefused as refused:
        print(f"baseline not published: {refused}", file=sys.stderr)
        return 1
    print(f"drift baseline {source} published to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
