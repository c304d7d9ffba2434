"""``SageMaker Model Package State Change`` events: the quality gate's and the deploy trigger's.

``read_model_package_change`` accepts only a versioned package of one of the
environment's groups, in the event's own account and region, with one of the
three approval statuses; anything else is refused with a ``DropReason``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from loop_common.events import (
    MODEL_PACKAGE_STATE_CHANGE,
    DropReason,
    EventEnvelope,
    EventRejected,
    NotActionable,
    _EventModel,
    own_sagemaker_arn,
    read_detail,
)
from loop_common.naming import ResourceNames

MODEL_APPROVAL_STATUSES = frozenset({"Approved", "Rejected", "PendingManualApproval"})

_VERSION = re.compile(r"[0-9]{1,9}")


class ModelPackageStateDetail(_EventModel):
    """``detail`` of ``SageMaker Model Package State Change`` (the fields the loop reads)."""

    group: str = Field(alias="ModelPackageGroupName", min_length=1, max_length=63)
    package_arn: str = Field(alias="ModelPackageArn", max_length=2048)
    approval_status: str = Field(alias="ModelApprovalStatus", max_length=64)


@dataclass(frozen=True)
class ModelPackageChange:
    """A model package's approval status changed, in a group of one of our projects.

    Attributes:
        event_id: the EventBridge event id.
        occurred_at: the event time (UTC).
        project: the project owning the model package group.
        group: the model package group name, ``{prefix}-{project}``.
        package_arn: the versioned model package ARN.
        version: the version number read from the ARN.
        approval_status: ``Approved``, ``Rejected`` or ``PendingManualApproval``.
    """

    event_id: str
    occurred_at: datetime
    project: str
    group: str
    package_arn: str
    version: int
    approval_status: str


def read_model_package_change(envelope: EventEnvelope, names: ResourceNames) -> ModelPackageChange:
    """Read a ``SageMaker Model Package State Change`` event about one of our groups."""
    if envelope.kind != MODEL_PACKAGE_STATE_CHANGE:
        raise EventRejected(
            DropReason.UNSUPPORTED_EVENT, f"{envelope.source} / {envelope.detail_type}"
        )
    detail = read_detail(envelope, ModelPackageStateDetail)
    if detail.approval_status not in MODEL_APPROVAL_STATUSES:
        raise EventRejected(
            DropReason.MALFORMED_DETAIL, f"unknown ModelApprovalStatus {detail.approval_status!r}"
        )
    project = names.project_from_model_package_group(detail.group)
    if project is None:
        raise EventRejected(
            DropReason.UNKNOWN_PROJECT, f"model package group {detail.group!r} is not ours"
        )
    arn = own_sagemaker_arn(detail.package_arn, envelope, "model package")
    kind, _, rest = arn.resource.partition("/")
    group_in_arn, _, version = rest.partition("/")
    if (
        kind != "model-package"
        or group_in_arn != detail.group.lower()
        or not _VERSION.fullmatch(version)
    ):
        raise EventRejected(
            DropReason.MALFORMED_DETAIL,
            f"{detail.package_arn!r} is not a version of group {detail.group!r}",
        )
    return ModelPackageChange(
        event_id=envelope.id,
        occurred_at=envelope.occurred_at,
        project=project,
        group=detail.group,
        package_arn=detail.package_arn,
        version=int(version),
        approval_status=detail.approval_status,
    )


def read_change_in_status(
    envelope: EventEnvelope, names: ResourceNames, *, statuses: Collection[str], reason: str
) -> ModelPackageChange | NotActionable:
    """The package change if the package is now in one of ``statuses``; else ``reason``.

    A change to any other status is well formed but not the function's business:
    it is ignored (``NotActionable`` with ``reason``), never acted on.
    """
    change = read_model_package_change(envelope, names)
    if change.approval_status not in statuses:
        return NotActionable(reason, f"package is {change.approval_status}", project=change.project)
    return change
