"""Read and update model packages in the SageMaker Model Registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from botocore.client import BaseClient

APPROVED = "Approved"
REJECTED = "Rejected"
PENDING_MANUAL_APPROVAL = "PendingManualApproval"

_LIST_PAGE_SIZE = 100


@dataclass(frozen=True)
class ModelPackage:
    """The parts of a versioned model package the loop reads.

    Attributes:
        arn: the model package ARN.
        group: its model package group.
        version: its version number in the group.
        approval_status: ``Approved``, ``Rejected`` or ``PendingManualApproval``.
        approval_description: the free text beside the approval status.
        metrics_report_uri: ``ModelMetrics.ModelQuality.Statistics.S3Uri``, if set.
    """

    arn: str
    group: str
    version: int
    approval_status: str
    approval_description: str
    metrics_report_uri: str | None


def _is_missing_package(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    message = str(error.response.get("Error", {}).get("Message", "")).lower()
    if code == "ResourceNotFound":
        return True
    return code == "ValidationException" and ("does not exist" in message or "not found" in message)


def _package_from(description: dict[str, Any]) -> ModelPackage:
    statistics = description.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics", {})
    return ModelPackage(
        arn=description["ModelPackageArn"],
        group=description.get("ModelPackageGroupName", ""),
        version=int(description.get("ModelPackageVersion", 0)),
        approval_status=description.get("ModelApprovalStatus", ""),
        approval_description=description.get("ApprovalDescription", ""),
        metrics_report_uri=statistics.get("S3Uri"),
    )


class ModelRegistry:
    """The loop's view of the model registry.

    Args:
        sagemaker: a SageMaker client.
    """

    def __init__(self, *, sagemaker: BaseClient) -> None:
        self._sagemaker = sagemaker

    def describe(self, package_arn: str) -> ModelPackage | None:
        """The package as it is now, or None when it does not exist (any more)."""
        try:
            description = self._sagemaker.describe_model_package(ModelPackageName=package_arn)
        except ClientError as error:
            if _is_missing_package(error):
                return None
            raise
        return _package_from(description)

    def latest_approved(self, group: str, *, excluding: str | None) -> ModelPackage | None:
        """The highest version of ``group`` that is Approved now, other than ``excluding``.

        ``excluding=None`` considers every version.

        Candidates come from the listing and are described again, newest first,
        so a version rejected since the listing is passed over. An empty
        registry, or a group with no other approved version, gives None.
        """
        paginator = self._sagemaker.get_paginator("list_model_packages")
        pages = paginator.paginate(
            ModelPackageGroupName=group,
            ModelApprovalStatus=APPROVED,
            SortBy="CreationTime",
            SortOrder="Descending",
            PaginationConfig={"PageSize": _LIST_PAGE_SIZE},
        )
        summaries = [
            summary
            for page in pages
            for summary in page.get("ModelPackageSummaryList", [])
            if summary["ModelPackageArn"] != excluding
        ]
        for summary in sorted(summaries, key=_version_of, reverse=True):
            package = self.describe(summary["ModelPackageArn"])
            if package is not None and package.approval_status == APPROVED:
                return package
        return None

    def set_approval(self, package_arn: str, *, status: str, description: str) -> None:
        """Set the package's approval status and the text explaining it."""
        self._sagemaker.update_model_package(
            ModelPackageArn=package_arn,
            ModelApprovalStatus=status,
            ApprovalDescription=description,
        )


def _version_of(summary: dict[str, Any]) -> int:
    return int(summary.get("ModelPackageVersion", 0))
