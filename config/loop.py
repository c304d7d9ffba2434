"""The typed settings of the CD4ML loop and of the ML projects an environment declares.

``loop:`` holds the platform-wide switches of the loop functions; ``projects:``
lists the ML projects whose model package group, policy, notification topic,
retrain schedule and drift monitor the platform creates. A project's policy
(thresholds, approval mode, retrain switches) is published for the loop
functions as JSON; see ``ProjectConfig``.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from config.base import EmailAddress, SettingError, StrictModel
from config.projects import (
    ENDPOINT_NAME_LIMIT,
    PROJECT_NAME,
    DriftConfig,
    MetricConfig,
    ProjectConfig,
    RetrainConfig,
    check_projects,
    default_endpoint_name,
)
from config.schedules import rate_minutes, schedule_expression

__all__ = [
    "ENDPOINT_NAME_LIMIT",
    "LOOP_ENDPOINTS",
    "PROJECT_NAME",
    "DriftConfig",
    "LoopConfig",
    "MetricConfig",
    "ProjectConfig",
    "ReservedConcurrencyConfig",
    "RetrainConfig",
    "SettingError",
    "check_projects",
    "default_endpoint_name",
    "rate_minutes",
    "schedule_expression",
]

# Interface endpoints the loop functions call when they run inside the VPC,
# by what needs them. S3 and DynamoDB go through the gateway endpoints; logs
# and on-failure destinations are delivered by the Lambda service, not from the
# function's network interface. Traces are sent from inside the function's
# environment: with functions_in_vpc and no xray endpoint, tracing is off.
LOOP_ENDPOINTS: dict[str, str] = {
    "sagemaker.api": "pipelines and the model registry",
    "ssm": "project policies",
    "sns": "notifications to the project teams",
    "codepipeline": "the deploy trigger",
    "monitoring": "drift metrics",
}

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PREFIX_LIST = re.compile(r"^pl-[0-9a-f]{8}([0-9a-f]{9})?$")


class ReservedConcurrencyConfig(StrictModel):
    """Reserved concurrency per loop function; off (null) unless an environment opts in.

    Reservations come out of the account's concurrency quota, which must keep
    at least 100 unreserved executions: a fresh account, still at a quota of
    10, rejects any reservation, so none is set by default. An environment in
    an account with a raised quota sets the values it wants (for example 5, 5,
    5 and 10).
    """

    retrain_trigger: int | None = Field(
        default=None, ge=1, le=1000, description="also caps concurrent pipeline starts"
    )
    quality_gate: int | None = Field(default=None, ge=1, le=1000)
    deploy_trigger: int | None = Field(default=None, ge=1, le=1000)
    drift_check: int | None = Field(default=None, ge=1, le=1000)


class LoopConfig(StrictModel):
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
    alarm_email: EmailAddress | None = Field(
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
