"""What a loop function runs: its code folder, the Python runtime and the pinned layers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from cd4ml_constructs.loop.layers import published_layer_arn
from config.layers import POWERTOOLS_ACCOUNT, POWERTOOLS_VERSION, PUBLISHED_LAYERS
from constructs import IConstruct

# Lambda code ships as plain folders: lambdas/<function>/ plus the shared package.
LAMBDAS_ROOT = Path(__file__).resolve().parents[3] / "lambdas"
SHARED_PACKAGE = "loop_common"

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64

# Powertools for AWS Lambda (Python) V3 and AWS SDK for pandas (numpy for the
# drift check): published layers, resolved per partition and region from the
# checked-in table in config/layers.py (source and date named there). Raise the
# Powertools number together with the aws-lambda-powertools pin of the "lambda"
# dependency group, which the tests run against.
POWERTOOLS_LAYER_VERSION = POWERTOOLS_VERSION
POWERTOOLS_LAYER_ACCOUNT = POWERTOOLS_ACCOUNT


def powertools_layer_arn(scope: IConstruct) -> str:
    """The Powertools layer published in the stack's partition and region."""
    return published_layer_arn(scope, table=PUBLISHED_LAYERS, layer="powertools")


def sdk_for_pandas_layer_arn(scope: IConstruct) -> str:
    """The AWS SDK for pandas layer (numpy) published in the stack's partition and region."""
    return published_layer_arn(scope, table=PUBLISHED_LAYERS, layer="sdk_for_pandas")


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
