"""What a loop function runs: its code folder, the Python runtime and the pinned layers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

from constructs import IConstruct

# Lambda code ships as plain folders: lambdas/<function>/ plus the shared package.
LAMBDAS_ROOT = Path(__file__).resolve().parents[3] / "lambdas"
SHARED_PACKAGE = "loop_common"

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

# Powertools for AWS Lambda (Python) V3, public layer of account 017000801446,
# published with the same version number in every commercial region:
# arn:<partition>:lambda:<region>:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27
# Raise it together with the aws-lambda-powertools pin of the "lambda"
# dependency group, which the tests run against; `aws lambda
# get-layer-version-by-arn` shows the library version in the description.
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LAYER_ACCOUNT = "017000801446"

# AWS SDK for pandas (numpy for the drift check), public layer of account
# 336392948345: arn:<partition>:lambda:<region>:336392948345:layer:AWSSDKPandas-Python313-Arm64:11
# (library 3.16.1). Check the number for the deployment region in the AWS SDK
# for pandas layer table: it can differ between regions.
SDK_FOR_PANDAS_LAYER_VERSION = 11
SDK_FOR_PANDAS_LAYER_ACCOUNT = "336392948345"


def powertools_layer_arn(scope: IConstruct) -> str:
    """The pinned Powertools layer in the stack's own partition and region."""
    stack = cdk.Stack.of(scope)
    return (
        f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-python313-arm64:{POWERTOOLS_LAYER_VERSION}"
    )


def sdk_for_pandas_layer_arn(scope: IConstruct) -> str:
    """The pinned AWS SDK for pandas layer (numpy) in the stack's partition and region."""
    stack = cdk.Stack.of(scope)
    return (
        f"arn:{stack.partition}:lambda:{stack.region}:{SDK_FOR_PANDAS_LAYER_ACCOUNT}:layer:"
        f"AWSSDKPandas-Python313-Arm64:{SDK_FOR_PANDAS_LAYER_VERSION}"
    )


def function_code(folder: str, *, shared: Sequence[str], root: Path = LAMBDAS_ROOT) -> lambda_.Code:
    """The asset of one function: ``root/<folder>/`` and the ``shared`` packages, nothing else.

    Byte-code caches, hidden files and documentation stay out, so the asset
    hash depends on the source alone.
    """
    keep = {folder, *shared}
    missing = sorted(name for name in keep if not (root / name).is_dir())
    if missing:
        raise ValueError(f"Lambda code folders missing under {root}: {', '.join(missing)}")
    others = sorted(entry.name for entry in root.iterdir() if entry.name not in keep)
    return lambda_.Code.from_asset(
        str(root),
        exclude=[*others, "**/__pycache__", "**/*.pyc", "**/.*", "**/*.md"],
    )
