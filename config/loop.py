"""The typed settings of the CD4ML loop and of the ML projects an environment declares.

``loop:`` holds the platform-wide switches of the loop functions; ``projects:``
lists the ML projects whose model package group, policy, notification topic,
retrain schedule and drift monitor the platform creates. A project's policy
(thresholds, approval mode, retrain switches) is published for the loop
functions as JSON; see ``ProjectConfig``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.project_deploy import DeployConfig
from config.project_source import SourceConfig

# Interface endpoints the loop functions call when they run inside the VPC,
# by what needs them. S3 and DynamoDB go through the gateway endpoints; logs,
# traces and on-failure destinations are delivered by the Lambda service, not
# from the function's network interface.
LOOP_ENDPOINTS: dict[str, str] = {
    "sagemaker.api": "pipelines and the model registry",
    "ssm": "project policies",
    "sns": "notifications to the project teams",
    "codepipeline": "the deploy trigger",
    "monitoring": "drift metrics",
}

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_METRIC_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TEAM = re.compile(r"^[\w .:/=+\-@]{1,128}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PREFIX_LIST = re.compile(r"^pl-[0-9a-f]{8}([0-9a-f]{9})?$")
_RATE = re.compile(r"^rate\((?P<value>[1-9][0-9]*) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("minutes", re.compile(r"^[0-9,\-*/]+$")),
    ("hours", re.compile(r"^[0-9,\-*/]+$")),
    ("day-of-month", re.compile(r"^([0-9,\-*?/LW]+)$")),
    ("month", re.compile(r"^([0-9A-Za-z,\-*/]+)$")),
    ("day-of-week", re.compile(r"^([0-9A-Za-z,\-*?L#]+)$")),
    ("year", re.compile(r"^[0-9,\-*/]+$")),
)
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}

# SageMaker endpoint names are at most 63 characters.
ENDPOINT_NAME_LIMIT = 63
_ENDPOINT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class SettingError(ValueError):
    """A cross-field error that knows which key (relative to its model) is at fault."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(allowed)
        self.key = key
        self.value = value
        self.allowed = allowed


def schedule_expression(value: str) -> str:
    """Check an EventBridge Scheduler ``rate(...)`` or ``cron(...)`` expression."""
    allowed = (
        "a recurring schedule: rate(<n> minute|minutes|hour|hours|day|days) or "
        "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"
    )
    rate = _RATE.match(value)
    if rate:
        singular = rate["value"] == "1"
        if singular != (not rate["unit"].endswith("s")):
            raise ValueError(f"{allowed}; use a singular unit for 1 and plural otherwise")
        return value
    cron = _CRON.match(value)
    if not cron:
        raise ValueError(allowed)
    fields = cron["fields"].split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"{allowed}; a cron expression has 6 fields, this one {len(fields)}")
    for text, (name, pattern) in zip(fields, _CRON_FIELDS, strict=True):
        if not pattern.match(text):
            raise ValueError(f"{allowed}; the {name} field {text!r} is not valid")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"{allowed}; exactly one of day-of-month and day-of-week must be '?'")
    return value


def rate_minutes(expression: str) -> int | None:
    """The interval of a ``rate(...)`` expression in minutes; None for cron expressions."""
    rate = _RATE.match(expression)
    if not rate:
        return None
    return int(rate["value"]) * _UNIT_MINUTES[rate["unit"].rstrip("s")]


class MetricConfig(_Model):
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


class RetrainConfig(_Model):
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


class DriftConfig(_Model):
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


class ProjectConfig(_Model):
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
    source: SourceConfig = SourceConfig()
    deploy: DeployConfig = DeployConfig()

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
            if not _EMAIL.match(address):
                raise ValueError(f"{address!r} is not an email address")
        if len(set(value)) != len(value):
            raise ValueError("addresses must be unique")
        return value


class ReservedConcurrencyConfig(_Model):
    """Reserved concurrency per loop function; null leaves a function unreserved.

    Reservations come out of the account's concurrency quota, which must keep
    at least 100 unreserved executions: an account still at a quota of 10
    cannot deploy any reservation.
    """

    retrain_trigger: int | None = Field(
        default=5, ge=1, le=1000, description="also caps concurrent pipeline starts"
    )
    quality_gate: int | None = Field(default=5, ge=1, le=1000)
    deploy_trigger: int | None = Field(default=5, ge=1, le=1000)
    drift_check: int | None = Field(default=10, ge=1, le=1000)


class LoopConfig(_Model):
    """Platform-wide settings of the loop functions and of the model registry."""

    functions_in_vpc: bool = Field(
        default=False, description="run the loop functions in the VPC's workload subnets"
    )
    egress_prefix_lists: tuple[str, ...] = Field(
        default=(),
        description="S3 and DynamoDB gateway endpoint prefix lists (pl-...), with functions_in_vpc",
    )
    registry_accounts: tuple[str, ...] = Field(
        default=(), description="other accounts that may read the model package groups"
    )
    alarm_email: str | None = Field(
        default=None, description="address subscribed to the platform alarm topic"
    )
    build_lease_minutes: int = Field(
        default=360, ge=1, le=10080, description="longest a build run holds its project's lease"
    )
    reserved_concurrency: ReservedConcurrencyConfig = ReservedConcurrencyConfig()

    @field_validator("egress_prefix_lists")
    @classmethod
    def _prefix_lists(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for prefix_list in value:
            if not _PREFIX_LIST.match(prefix_list):
                raise ValueError(f"{prefix_list!r} must look like pl-0123abcd")
        if len(set(value)) != len(value):
            raise ValueError("prefix lists must be unique")
        return value

    @field_validator("registry_accounts")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for account in value:
            if not _ACCOUNT_ID.match(account):
                raise ValueError(f"{account!r} must be a 12-digit AWS account id, quoted")
        if len(set(value)) != len(value):
            raise ValueError("accounts must be unique")
        return value

    @field_validator("alarm_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("must be an email address")
        return value

    @model_validator(mode="after")
    def _vpc_egress(self) -> LoopConfig:
        if self.functions_in_vpc and len(self.egress_prefix_lists) != 2:
            raise SettingError(
                "egress_prefix_lists",
                list(self.egress_prefix_lists),
                "the two prefix lists of the S3 and DynamoDB gateway endpoints "
                "(com.amazonaws.<region>.s3 and .dynamodb) while functions_in_vpc is true",
            )
        return self


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
