"""The scheduled drift check's payload, parsed and validated before anything runs.

EventBridge Scheduler sends one payload per deployed model (see ``drift_check.handler``
for the schema). A payload that does not fit raises :class:`InvalidDriftCheckRequest`
naming the key, the value and what is allowed: the scheduler retries, then dead-letters
it, and no metric is published from bad input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from drift_check.capture_window import CaptureWindow, S3Location
from drift_check.thresholds import InvalidThresholds, Thresholds

DEFAULT_WINDOW_HOURS: Final = 24
MAX_WINDOW_HOURS: Final = 24 * 14

_PROJECT_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_ENDPOINT_PATTERN: Final = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_VARIANT_PATTERN: Final = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_MODEL_PACKAGE_ARN_PATTERN: Final = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[\w+=,.@/-]+$"
)
_ALLOWED_KEYS: Final = (
    "project",
    "endpoint_name",
    "capture_prefix",
    "scheduled_time",
    "execution_id",
    "window_hours",
    "baseline_uri",
    "model_package_arn",
    "thresholds",
    "variant_names",
)


class InvalidDriftCheckRequest(ValueError):
    """A drift check payload that cannot be run."""


@dataclass(frozen=True)
class DriftCheckRequest:
    """One scheduled drift check, validated."""

    project: str
    endpoint_name: str
    capture: S3Location
    scheduled_time: datetime
    window_hours: int
    thresholds: Thresholds
    execution_id: str | None = None
    baseline_uri: str | None = None
    model_package_arn: str | None = None
    variant_names: tuple[str, ...] | None = None

    @property
    def window(self) -> CaptureWindow:
        """The capture hours this check reads."""
        return CaptureWindow.ending_at(self.scheduled_time, self.window_hours)

    @classmethod
    def from_event(cls, event: object) -> DriftCheckRequest:
        """Parse a scheduler payload; raises InvalidDriftCheckRequest."""
        if not isinstance(event, Mapping):
            raise InvalidDriftCheckRequest(
                f"payload must be a JSON object, got {type(event).__name__}"
            )
        unknown = sorted(str(key) for key in set(event) - set(_ALLOWED_KEYS))
        if unknown:
            raise InvalidDriftCheckRequest(
                f"unknown key(s) {unknown}; allowed: {', '.join(_ALLOWED_KEYS)}"
            )
        project = _matching(event, "project", _PROJECT_PATTERN, "letters, digits, . _ -")
        endpoint_name = _matching(
            event, "endpoint_name", _ENDPOINT_PATTERN, "a SageMaker endpoint name"
        )
        try:
            capture = S3Location.parse(_required_text(event, "capture_prefix"))
        except ValueError as error:
            raise InvalidDriftCheckRequest(
                f"capture_prefix must be s3://bucket/prefix: {error}"
            ) from error
        baseline_uri = _optional_text(event, "baseline_uri")
        if baseline_uri is not None:
            try:
                location = S3Location.parse(baseline_uri)
            except ValueError as error:
                raise InvalidDriftCheckRequest(f"baseline_uri: {error}") from error
            if not location.key:
                raise InvalidDriftCheckRequest(
                    f"baseline_uri must name an object: {baseline_uri!r}"
                )
        model_package_arn = _optional_text(event, "model_package_arn")
        if model_package_arn is not None and not _MODEL_PACKAGE_ARN_PATTERN.match(
            model_package_arn
        ):
            raise InvalidDriftCheckRequest(
                f"model_package_arn is not a model package ARN: {model_package_arn!r}"
            )
        try:
            thresholds = Thresholds.from_mapping(event.get("thresholds"))
        except InvalidThresholds as error:
            raise InvalidDriftCheckRequest(f"thresholds: {error}") from error
        return cls(
            project=project,
            endpoint_name=endpoint_name,
            capture=capture,
            scheduled_time=_scheduled_time(event),
            window_hours=_window_hours(event),
            thresholds=thresholds,
            execution_id=_optional_text(event, "execution_id"),
            baseline_uri=baseline_uri,
            model_package_arn=model_package_arn,
            variant_names=_variant_names(event),
        )


def _required_text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidDriftCheckRequest(f"{key} is required and must be a string, got {value!r}")
    return value


def _optional_text(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidDriftCheckRequest(f"{key} must be a non-empty string, got {value!r}")
    return value


def _matching(event: Mapping[str, Any], key: str, pattern: re.Pattern[str], allowed: str) -> str:
    value = _required_text(event, key)
    if not pattern.match(value):
        raise InvalidDriftCheckRequest(f"{key} {value!r} is not valid: expected {allowed}")
    return value


def _scheduled_time(event: Mapping[str, Any]) -> datetime:
    text = _required_text(event, "scheduled_time")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidDriftCheckRequest(
            f"scheduled_time {text!r} is not an ISO 8601 time such as 2024-05-01T06:15:00Z"
        ) from error
    if moment.tzinfo is None:
        raise InvalidDriftCheckRequest(
            f"scheduled_time {text!r} has no time zone (EventBridge Scheduler sends ...Z)"
        )
    return moment


def _window_hours(event: Mapping[str, Any]) -> int:
    value = event.get("window_hours", DEFAULT_WINDOW_HOURS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WINDOW_HOURS:
        raise InvalidDriftCheckRequest(
            f"window_hours must be an integer from 1 to {MAX_WINDOW_HOURS}, got {value!r}"
        )
    return value


def _variant_names(event: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = event.get("variant_names")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(name, str) and _VARIANT_PATTERN.match(name) for name in value)
    ):
        raise InvalidDriftCheckRequest(
            f"variant_names must be a non-empty list of variant names, got {value!r}"
        )
    return tuple(value)
