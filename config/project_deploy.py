"""The typed settings of a project's model-deploy pipeline and of its endpoints.

``projects[].deploy`` says where the staging and production endpoints run
(this account or another one), how big they are, and the production
endpoint's deployment guardrails: blue/green with canary traffic shifting, a
baking period, and automatic rollback on the 5xx and model latency alarms.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from config.loop import SettingError

_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# SageMaker waits at most 3600 s between traffic shifting steps, and at most
# 3600 s before it terminates the old fleet (the baking period).
_MAX_WAIT_MINUTES = 60


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class DeployConfig(_Model):
    """How a project's models reach the staging and production endpoints.

    The production endpoint is updated blue/green: SageMaker starts the new
    (green) fleet, shifts ``canary_percent`` of the capacity to it, waits
    ``canary_wait_minutes``, shifts the rest, and keeps the old fleet for
    ``baking_minutes`` before it terminates it. A 5xx or model latency alarm
    in that time rolls all traffic back to the old fleet.
    """

    instance_type: str = Field(
        default="ml.m5.large", description="instance type of both endpoints, ml.<family>.<size>"
    )
    initial_instance_count: int = Field(
        default=1, ge=1, le=100, description="instances of the staging endpoint"
    )
    production_instance_count: int = Field(
        default=2,
        ge=2,
        le=100,
        description="instances of the production endpoint; a canary needs at least two",
    )
    staging_account: str | None = Field(
        default=None, description="12-digit account of the staging endpoint; null: this account"
    )
    prod_account: str | None = Field(
        default=None, description="12-digit account of the production endpoint; null: this account"
    )
    canary_percent: int = Field(
        default=10, ge=1, le=50, description="share of the production capacity in the canary"
    )
    canary_wait_minutes: int = Field(
        default=10,
        ge=1,
        le=_MAX_WAIT_MINUTES,
        description="time the canary serves before the rest of the traffic shifts",
    )
    baking_minutes: int = Field(
        default=10,
        ge=0,
        le=_MAX_WAIT_MINUTES,
        description="time the old fleet is kept after all traffic shifted (baking period)",
    )
    latency_alarm_ms: int = Field(
        default=500,
        ge=1,
        le=60000,
        description="average model latency (milliseconds) that rolls a deployment back",
    )
    error_alarm_5xx: int = Field(
        default=1,
        ge=1,
        le=100000,
        description="5xx errors a minute that roll a deployment back",
    )
    data_capture_percent: int = Field(
        default=100, ge=1, le=100, description="share of requests written to data capture"
    )
    approval_timeout_hours: int = Field(
        default=168,
        ge=1,
        le=168,
        description="how long the production approval waits (CodePipeline allows 7 days)",
    )

    @field_validator("instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not _INSTANCE_TYPE.match(value):
            raise ValueError(
                "must be a SageMaker instance type ml.<family>.<size>, e.g. ml.m5.large"
            )
        return value

    @field_validator("staging_account", "prod_account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_ID.match(value):
            raise ValueError("must be a 12-digit AWS account id, quoted as a string, or null")
        return value

    @model_validator(mode="after")
    def _canary_fits_fleet(self) -> DeployConfig:
        if self.canary_instances * 2 > self.production_instance_count:
            raise SettingError(
                "canary_percent",
                self.canary_percent,
                f"a canary of at most half of production_instance_count "
                f"({self.production_instance_count}); {self.canary_percent}% rounds up to "
                f"{self.canary_instances} instance(s): lower canary_percent or add instances",
            )
        return self

    @property
    def canary_instances(self) -> int:
        """Instances of the production fleet that serve the canary (rounded up, as SageMaker)."""
        return math.ceil(self.production_instance_count * self.canary_percent / 100)

    @property
    def deployment_timeout_seconds(self) -> int:
        """Longest a blue/green update may take: both waits and an hour to start the fleet."""
        return (self.canary_wait_minutes + self.baking_minutes) * 60 + 3600
