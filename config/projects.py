"""The ML projects an environment declares: policy, retrain schedule and drift monitor.

A project's policy (thresholds, approval mode, retrain switches) is published
for the loop functions as JSON; see ``ProjectConfig``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.base import EMAIL, SettingError, StrictModel
from config.project_deploy import DeployConfig
from config.project_source import SourceConfig
from config.schedules import rate_minutes, schedule_expression

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_METRIC_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TEAM = re.compile(r"^[\w .:/=+\-@]{1,128}$")

# SageMaker endpoint names are at most 63 characters.
ENDPOINT_NAME_LIMIT = 63
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class MetricConfig(StrictModel):
    """The evaluation metric the quality gate judges a project's models on."""

    name: str = Field(description="key of the metric in the evaluation report, e.g. auc")
    direction: Literal["higher", "lower"] = Field(
        description="higher: larger values are better; lower: smaller values are better"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _METRIC_NAME.match(value):
            raise ValueError("must be 1-128 letters, digits or _ . : -")
        return value


class RetrainConfig(StrictModel):
    """When the retrain trigger may start the project's model-build pipeline."""

    enabled: bool = Field(default=True, description="false stops every automatic retrain")
    cooldown_minutes: int = Field(
        default=360, ge=0, le=43200, description="minimum time between two build starts"
    )
    schedule: str | None = Field(
        default=None, description="scheduled retrain, rate(...) or cron(...) in UTC; none if null"
    )

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else schedule_expression(value)


class DriftConfig(StrictModel):
    """The project's scheduled drift check and the drift alarm that asks for a retrain."""

    endpoint_name: str | None = Field(
        default=None, description="endpoint watched; default cd4ml-<env>-<project>-prod"
    )
    threshold: float = Field(
        default=0.2, gt=0, le=1, description="DriftScore (share of drifted features) that breaches"
    )
    datapoints_to_alarm: int = Field(default=2, ge=1, le=168, description="M of the M-of-N alarm")
    evaluation_periods: int = Field(default=3, ge=1, le=168, description="N of the M-of-N alarm")
    period_hours: int = Field(default=1, ge=1, le=24, description="alarm period")
    schedule: str = Field(
        default="rate(1 hour)", description="drift check schedule, rate(...) or cron(...) in UTC"
    )
    window_hours: int = Field(
        default=24, ge=1, le=336, description="hours of data capture each check reads"
    )

    @field_validator("endpoint_name")
    @classmethod
    def _endpoint_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENDPOINT_NAME.match(value):
            raise ValueError("must be a SageMaker endpoint name: 1-63 letters, digits or '-'")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return schedule_expression(value)

    @model_validator(mode="after")
    def _alarm_fits_schedule(self) -> DriftConfig:
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise SettingError(
                "datapoints_to_alarm",
                self.datapoints_to_alarm,
                f"at most evaluation_periods ({self.evaluation_periods}): M of N needs M <= N",
            )
        if self.evaluation_periods * self.period_hours > 168:
            raise SettingError(
                "evaluation_periods",
                self.evaluation_periods,
                "evaluation_periods x period_hours of at most 168 (CloudWatch looks back 7 days)",
            )
        interval = rate_minutes(self.schedule)
        if interval is not None and interval > self.period_hours * 60:
            raise SettingError(
                "schedule",
                self.schedule,
                f"a check at least every period_hours ({self.period_hours} h): a slower schedule "
                "leaves alarm periods without data, so the alarm could never reach M of N",
            )
        return self


class ProjectConfig(StrictModel):
    """One ML project: its policy, its team's topic, its retrain schedule and drift monitor.

    Resource names follow the naming contract the loop functions enforce:
    model package group ``cd4ml-<env>-<project>``, build pipeline
    ``cd4ml-<env>-<project>-build``, deploy pipeline ``cd4ml-<env>-<project>-deploy``,
    drift alarm ``cd4ml-<env>-<project>-drift``, raw data under ``<project>/``.
    """

    name: str = Field(description="project name, 2-31 lowercase letters, digits or '-'")
    team: str = Field(description="team that owns the project's models")
    metric: MetricConfig
    min_threshold: float = Field(
        description="worst acceptable metric value: a floor (higher) or a ceiling (lower)"
    )
    min_improvement: float = Field(
        default=0.0, ge=0, description="how much a candidate must beat the champion by"
    )
    approval_mode: Literal["auto", "manual"] = Field(
        default="manual", description="auto: the gate approves; manual: a person approves"
    )
    retrain: RetrainConfig = RetrainConfig()
    drift: DriftConfig = DriftConfig()
    notification_emails: tuple[str, ...] = Field(
        default=(), description="addresses subscribed to the project's notification topic"
    )
    source: SourceConfig = Field(
        default=SourceConfig(), description="where the model-build code comes from"
    )
    deploy: DeployConfig = Field(
        default=DeployConfig(), description="endpoints, deployment guardrails, target accounts"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not PROJECT_NAME.match(value):
            raise ValueError(
                "must be 2-31 lowercase letters, digits or '-', starting with a letter"
            )
        return value

    @field_validator("team")
    @classmethod
    def _team(cls, value: str) -> str:
        if not _TEAM.match(value):
            raise ValueError("must be 1-128 letters, digits, spaces and _ . : / = + - @")
        return value

    @field_validator("notification_emails")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        if len(set(value)) != len(value):
            raise ValueError("addresses must be unique")
        return value


def check_projects(projects: tuple[ProjectConfig, ...], environment: str) -> None:
    """Cross-project rules: unique names, and names that fit AWS limits once prefixed."""
    seen: set[str] = set()
    for index, project in enumerate(projects):
        if project.name in seen:
            raise SettingError(
                f"projects.{index}.name", project.name, "project names must be unique"
            )
        seen.add(project.name)
        endpoint = project.drift.endpoint_name or default_endpoint_name(environment, project.name)
        if len(endpoint) > ENDPOINT_NAME_LIMIT:
            raise SettingError(
                f"projects.{index}.drift.endpoint_name",
                endpoint,
                f"at most {ENDPOINT_NAME_LIMIT} characters; shorten the project name or set "
                "drift.endpoint_name",
            )


def default_endpoint_name(environment: str, project: str) -> str:
    """The production endpoint a project's deploy pipeline creates by default."""
    return f"cd4ml-{environment}-{project}-prod"
