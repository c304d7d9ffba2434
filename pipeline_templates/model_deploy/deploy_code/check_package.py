"""Refuse to deploy anything but an Approved version of the project's own model package group.

Runs first in the pipeline, before any endpoint changes. A run started without
``ModelPackageArn`` (CodePipeline starts one run when the pipeline is created),
with a package of another group, or with a version that is no longer Approved
stops here with the reason.

Environment: ``MODEL_PACKAGE_ARN`` (the pipeline variable), ``MODEL_PACKAGE_GROUP``.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

_VERSION_ARN = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/(?P<group>[a-zA-Z0-9-]+)/\d+$"
)
NO_VALUE = "none"


class PackageRefused(Exception):
    """The model package must not be deployed; the message says why."""


def check_package(sagemaker: Any, *, model_package_arn: str, model_package_group: str) -> str:
    """Return the package's version ARN if it may be deployed; raise PackageRefused otherwise."""
    arn = model_package_arn.strip()
    if not arn or arn == NO_VALUE:
        raise PackageRefused(
            "no ModelPackageArn: deploy runs start from the deploy trigger with the approved "
            "version's ARN (a run without it, such as the one at pipeline creation, stops here)"
        )
    match = _VERSION_ARN.match(arn)
    if not match:
        raise PackageRefused(f"{arn!r} is not a model package version ARN")
    if match["group"] != model_package_group:
        raise PackageRefused(
            f"{arn} belongs to group {match['group']!r}; this pipeline deploys only "
            f"{model_package_group!r}"
        )
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    if package.get("ModelPackageGroupName") != model_package_group:
        raise PackageRefused(f"{arn} is registered in {package.get('ModelPackageGroupName')!r}")
    status = package.get("ModelApprovalStatus")
    if status != "Approved":
        raise PackageRefused(f"{arn} is {status}, not Approved: nothing is deployed")
    return str(package["ModelPackageArn"])


def main() -> int:
    import boto3

    try:
        arn = check_package(
            boto3.client("sagemaker"),
            model_package_arn=os.environ.get("MODEL_PACKAGE_ARN", ""),
            model_package_group=os.environ["MODEL_PACKAGE_GROUP"],
        )
    except PackageRefused as refused:
        print(f"deploy refused: {refused}", file=sys.stderr)
        return 1
    print(f"deploying {arn} (Approved)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
