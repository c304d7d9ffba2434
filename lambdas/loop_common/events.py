"""Typed models of the events the loop functions receive, and the rules that refuse them.

Every event goes through ``accept_envelope`` first: it must be a JSON object
with a well-formed id, source, detail-type, time and detail, sent from the
function's own account. Each function then reads the detail it expects with
``read_detail``. Anything that fails raises ``EventRejected`` carrying a
``DropReason``: the handler logs it, counts it in the ``DroppedEvents`` metric
and returns without acting or raising, so a junk event is never retried.

Unknown fields are ignored (AWS adds fields to its events over time); missing
or mistyped fields the loop relies on are errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from loop_common.naming import Arn, parse_arn

SourceAndType = tuple[str, str]

DRIFT_ALARM_STATE_CHANGE: SourceAndType = ("aws.cloudwatch", "CloudWatch Alarm State Change")
RAW_OBJECT_CREATED: SourceAndType = ("aws.s3", "Object Created")
SCHEDULED_RETRAIN: SourceAndType = ("cd4ml.scheduler", "Scheduled Retrain")
PIPELINE_EXECUTION_STATUS_CHANGE: SourceAndType = (
    "aws.sagemaker",
    "SageMaker Model Building Pipeline Execution Status Change",
)
MODEL_PACKAGE_STATE_CHANGE: SourceAndType = (
    "aws.sagemaker",
    "SageMaker Model Package State Change",
)


_EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=@-]{0,127}")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


class DropReason(StrEnum):
    """Why an event was refused; the ``reason`` dimension of ``DroppedEvents``."""

    MALFORMED_EVENT = "MalformedEvent"
    FOREIGN_ACCOUNT = "ForeignAccount"
    UNSUPPORTED_EVENT = "UnsupportedEvent"
    MALFORMED_DETAIL = "MalformedDetail"
    UNKNOWN_PROJECT = "UnknownProject"
    FOREIGN_RESOURCE = "ForeignResource"
    FOREIGN_REGION = "ForeignRegion"
    STALE_EVENT = "StaleEvent"
    FUTURE_EVENT = "FutureEvent"


class EventRejected(Exception):
    """The event is junk for this function and must be dropped without any action."""

    def __init__(self, reason: DropReason, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class NotActionable:
    """A well-formed event this function deliberately does nothing with.

    Attributes:
        reason: short CamelCase reason, the ``reason`` dimension of ``IgnoredEvents``.
        message: the same in words, for the log.
        project: the project the event concerns, when it is worth naming in the response.
    """

    reason: str
    message: str
    project: str | None = None


class _EventModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class EventEnvelope(_EventModel):
    """The fields every loop event carries, EventBridge events and scheduler payloads alike."""

    id: str = Field(max_length=128)
    source: str = Field(min_length=1, max_length=256)
    detail_type: str = Field(alias="detail-type", min_length=1, max_length=256)
    account: str
    time: str = Field(max_length=64)
    region: str | None = Field(default=None, min_length=1, max_length=32)
    detail: dict[str, Any]

    @field_validator("id")
    @classmethod
    def _event_id(cls, value: str) -> str:
        if not _EVENT_ID.fullmatch(value):
            raise ValueError("must be 1-128 characters of letters, digits and ._:/+=@-")
        return value

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT_ID.fullmatch(value):
            raise ValueError("must be a 12-digit AWS account id")
        return value

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_event_time(value)
        return value

    @property
    def occurred_at(self) -> datetime:
        """The event time, in UTC."""
        return parse_event_time(self.time)

    @property
    def kind(self) -> SourceAndType:
        """The ``(source, detail-type)`` pair that says what the event is."""
        return (self.source, self.detail_type)


def parse_event_time(value: str) -> datetime:
    """Parse an ISO 8601 event time with a time zone into an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("no time zone")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(
            "must be an ISO 8601 time with a time zone, e.g. 2024-05-01T12:00:00Z"
        ) from None


class AlarmState(_EventModel):
    """``detail.state`` of a CloudWatch alarm state change."""

    value: str = Field(max_length=64)
    reason: str = Field(default="", max_length=4096)


class DriftAlarmDetail(_EventModel):
    """``detail`` of ``CloudWatch Alarm State Change``."""

    alarm_name: str = Field(alias="alarmName", min_length=1, max_length=255)
    state: AlarmState


class S3BucketRef(_EventModel):
    """``detail.bucket`` of an S3 event."""

    name: str = Field(min_length=3, max_length=63)


class S3ObjectRef(_EventModel):
    """``detail.object`` of an S3 event; EventBridge carries the key as stored."""

    key: str = Field(min_length=1, max_length=1024)


class ObjectCreatedDetail(_EventModel):
    """``detail`` of the S3 ``Object Created`` event."""

    bucket: S3BucketRef
    object_ref: S3ObjectRef = Field(alias="object")


class ScheduledRetrainDetail(_EventModel):
    """``detail`` of the payload EventBridge Scheduler sends for a scheduled retrain."""

    project: str = Field(max_length=64)


class PipelineExecutionStatusDetail(_EventModel):
    """``detail`` of ``SageMaker Model Building Pipeline Execution Status Change``."""

    pipeline_arn: str = Field(alias="pipelineArn", max_length=2048)
    pipeline_execution_arn: str = Field(alias="pipelineExecutionArn", max_length=2048)
    current_status: str = Field(alias="currentPipelineExecutionStatus", max_length=64)


DetailModel = TypeVar("DetailModel", bound=_EventModel)


def own_account_id(platform_account_id: str | None, invoked_function_arn: str) -> str:
    """The account this function serves: ``PLATFORM_ACCOUNT_ID`` if set, else its own ARN's."""
    if platform_account_id:
        return platform_account_id
    arn = parse_arn(invoked_function_arn)
    if arn is None or not arn.account:
        raise ValueError(f"cannot read an account id from {invoked_function_arn!r}")
    return arn.account


def own_sagemaker_arn(value: str, envelope: EventEnvelope, what: str) -> Arn:
    """``value`` read as a SageMaker ARN in the event's own account and region.

    Raises:
        EventRejected: ``MalformedDetail`` for anything but a SageMaker ARN,
            ``ForeignResource`` for one of another account or region.
    """
    arn = parse_arn(value)
    if arn is None or arn.service != "sagemaker":
        raise EventRejected(DropReason.MALFORMED_DETAIL, f"not a SageMaker ARN: {value!r}")
    if arn.account != envelope.account:
        raise EventRejected(
            DropReason.FOREIGN_RESOURCE, f"{what} in account {arn.account or '(none)'}"
        )
    if envelope.region is not None and arn.region != envelope.region:
        raise EventRejected(
            DropReason.FOREIGN_RESOURCE, f"{what} in region {arn.region or '(none)'}"
        )
    return arn


def accept_envelope(
    event: object, own_account: str, own_region: str | None = None
) -> EventEnvelope:
    """Check the common fields of ``event`` and that it comes from ``own_account``.

    An event stamped with a region (EventBridge events are) must be stamped with
    ``own_region``; the scheduler's payload carries none.
    """
    if not isinstance(event, dict):
        raise EventRejected(
            DropReason.MALFORMED_EVENT, f"not a JSON object: {type(event).__name__}"
        )
    try:
        envelope = EventEnvelope.model_validate(event)
    except ValidationError as error:
        raise EventRejected(DropReason.MALFORMED_EVENT, _describe(error)) from None
    if envelope.account != own_account:
        raise EventRejected(
            DropReason.FOREIGN_ACCOUNT, f"sent from account {envelope.account}, not {own_account}"
        )
    if own_region and envelope.region is not None and envelope.region != own_region:
        raise EventRejected(
            DropReason.FOREIGN_REGION, f"stamped with region {envelope.region}, not {own_region}"
        )
    return envelope


def check_event_age(
    envelope: EventEnvelope, *, now: datetime, max_age_seconds: int, max_ahead_seconds: int
) -> None:
    """Refuse an event older than the redrive window or dated in the future.

    A deliberate redrive of an older event goes through the audited redrive path
    (``loop_common.redrive``), which skips this check for the event it carries.
    """
    age = (now - envelope.occurred_at).total_seconds()
    if age > max_age_seconds:
        raise EventRejected(
            DropReason.STALE_EVENT,
            f"event time {envelope.time} is {int(age)} s old, beyond the redrive window of "
            f"{max_age_seconds} s",
        )
    if -age > max_ahead_seconds:
        raise EventRejected(
            DropReason.FUTURE_EVENT, f"event time {envelope.time} is {int(-age)} s in the future"
        )


def read_detail(envelope: EventEnvelope, model: type[DetailModel]) -> DetailModel:
    """Validate ``envelope.detail`` against ``model``."""
    try:
        return model.model_validate(envelope.detail)
    except ValidationError as error:
        raise EventRejected(DropReason.MALFORMED_DETAIL, _describe(error)) from None


def _describe(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(step) for step in problem["loc"]) or "event"
        parts.append(f"{where}: {problem['msg']}")
    return "; ".join(parts)
