"""The typed model of one CD4ML Platform environment.

Every model forbids unknown keys and is frozen: a typo in a YAML file is an
error, and nothing below ``app.py`` can change the settings it was given.
Decisions are made from these values at synth time (Python ``if``), never
with CloudFormation Conditions or Parameters. The parts live beside this
module (network, studio, foundation, loop, projects) and are re-exported here.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from config.base import LOG_RETENTION_DAYS, SettingError, StrictModel, log_retention
from config.foundation import DataLakeConfig, KeysConfig, TagsConfig
from config.layers import PUBLISHED_LAYERS
from config.loop import LOOP_ENDPOINTS, LoopConfig, ProjectConfig, check_projects
from config.network import (
    DEFAULT_INTERFACE_ENDPOINTS,
    INTERFACE_ENDPOINTS,
    InterfaceEndpoint,
    NetworkConfig,
    VpcCreate,
    VpcImport,
)
from config.regions import AWS_REGIONS
from config.studio import (
    MLFLOW_ENDPOINTS,
    PERSONAS,
    STUDIO_ENDPOINTS,
    STUDIO_PERSONAS,
    DataAccessConfig,
    MlflowConfig,
    StudioConfig,
    UserProfileConfig,
    ZoneAccessConfig,
)

__all__ = [
    "AWS_REGIONS",
    "DEFAULT_INTERFACE_ENDPOINTS",
    "INTERFACE_ENDPOINTS",
    "LOG_RETENTION_DAYS",
    "MLFLOW_ENDPOINTS",
    "PERSONAS",
    "STUDIO_ENDPOINTS",
    "STUDIO_PERSONAS",
    "DataAccessConfig",
    "DataLakeConfig",
    "EnvironmentConfig",
    "InterfaceEndpoint",
    "KeysConfig",
    "MlflowConfig",
    "NetworkConfig",
    "SettingError",
    "StudioConfig",
    "TagsConfig",
    "UserProfileConfig",
    "VpcCreate",
    "VpcImport",
    "ZoneAccessConfig",
]

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,23}$")


class EnvironmentConfig(StrictModel):
    """One deployable environment of the platform."""

    name: str = Field(description="environment name; prefixes stacks, aliases and tags")
    account: str | None = Field(
        default=None, description="12-digit AWS account id; omit for env-agnostic stacks"
    )
    region: str | None = Field(default=None, description="AWS region; omit for env-agnostic")
    tags: TagsConfig
    termination_protection: bool = Field(
        default=False, description="termination protection on the stateful stacks"
    )
    log_retention_days: int = Field(
        default=365, description="retention of the platform's CloudWatch log groups"
    )
    network: NetworkConfig = NetworkConfig()
    keys: KeysConfig = KeysConfig()
    data_lake: DataLakeConfig = DataLakeConfig()
    studio: StudioConfig = StudioConfig()
    loop: LoopConfig = LoopConfig()
    projects: tuple[ProjectConfig, ...] = Field(
        default=(), description="ML projects declared in config (policy, topic, drift monitor)"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "must be 2-24 lowercase letters, digits or '-', starting with a letter"
            )
        return value

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError("must be a 12-digit AWS account id, quoted as a string")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and value not in AWS_REGIONS:
            raise ValueError(f"must be an AWS region code, one of: {', '.join(AWS_REGIONS)}")
        if value is not None and value not in PUBLISHED_LAYERS:
            raise ValueError(
                "must be a region where the loop's Lambda layers (AWS SDK for pandas, "
                f"Powertools) are published, per config/layers.py: {', '.join(PUBLISHED_LAYERS)}"
            )
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return log_retention(value)

    @model_validator(mode="after")
    def _account_and_region_together(self) -> EnvironmentConfig:
        if (self.account is None) != (self.region is None):
            missing = "region" if self.region is None else "account"
            raise SettingError(
                missing, None, "account and region are set together, or both omitted"
            )
        if self.account is None and self.network.az_count > 2:
            raise SettingError(
                "network.az_count",
                self.network.az_count,
                "at most 2 without account and region (env-agnostic stacks see 2 AZs)",
            )
        if isinstance(self.network.vpc, VpcImport) and self.account is None:
            raise SettingError(
                "network.vpc.mode", "import", "an imported VPC needs account and region set"
            )
        return self

    @model_validator(mode="after")
    def _studio_fits_network_and_lake(self) -> EnvironmentConfig:
        studio, endpoints = self.studio, self.network.available_endpoints
        if studio.enabled:
            missing = [name for name in STUDIO_ENDPOINTS if name not in endpoints]
            if missing:
                raise SettingError(
                    "network.interface_endpoints",
                    list(endpoints),
                    f"add {', '.join(missing)}: the VpcOnly Studio domain (studio.enabled) "
                    f"needs {', '.join(STUDIO_ENDPOINTS)}",
                )
            vpc = self.network.vpc
            if isinstance(vpc, VpcCreate) and vpc.nat_gateways:
                raise SettingError(
                    "network.vpc.nat_gateways",
                    vpc.nat_gateways,
                    "0 while studio.enabled is true: Studio apps run in the workload subnets "
                    "and must not reach the internet",
                )
        if studio.mlflow.enabled:
            missing = [name for name in MLFLOW_ENDPOINTS if name not in endpoints]
            if missing:
                raise SettingError(
                    "network.interface_endpoints",
                    list(endpoints),
                    f"add {', '.join(missing)}: the MLflow tracking server (studio.mlflow.enabled) "
                    f"is reached through {', '.join(MLFLOW_ENDPOINTS)}",
                )
        for persona in ("data_scientist", "ml_engineer"):
            access: ZoneAccessConfig = getattr(studio.data_access, persona)
            for field in ("read", "write"):
                zones: tuple[str, ...] = getattr(access, field)
                if any(zone not in self.data_lake.zones for zone in zones):
                    raise SettingError(
                        f"studio.data_access.{persona}.{field}",
                        list(zones),
                        f"zones of data_lake.zones: {', '.join(self.data_lake.zones)}",
                    )
        return self

    @model_validator(mode="after")
    def _loop_fits_network(self) -> EnvironmentConfig:
        check_projects(self.projects, self.name)
        if "raw" not in self.data_lake.zones:
            raise SettingError(
                "data_lake.zones",
                list(self.data_lake.zones),
                "a list that includes raw: new objects in the raw zone ask for retrains",
            )
        if self.loop.functions_in_vpc:
            endpoints = self.network.available_endpoints
            missing = [name for name in LOOP_ENDPOINTS if name not in endpoints]
            if missing:
                needs = "; ".join(f"{name} for {LOOP_ENDPOINTS[name]}" for name in missing)
                raise SettingError(
                    "network.interface_endpoints",
                    list(endpoints),
                    f"add {', '.join(missing)}: the loop functions run in the VPC "
                    f"(loop.functions_in_vpc) and call {needs}",
                )
        return self

    @property
    def trusted_accounts(self) -> tuple[str, ...]:
        """Accounts a resource policy of the platform may name (model package groups).

        The environment's own account (env-agnostic stacks name it only as
        ``AWS::AccountId``, so it is left out for them), ``loop.registry_accounts``
        and the accounts projects deploy endpoints into (``projects[].deploy``).
        """
        own = (self.account,) if self.account else ()
        deploys = (
            account
            for project in self.projects
            for account in (project.deploy.staging_account, project.deploy.prod_account)
            if account
        )
        others = dict.fromkeys((*self.loop.registry_accounts, *deploys))
        return own + tuple(a for a in others if a not in own)

    @property
    def env_agnostic(self) -> bool:
        """True when stacks are synthesized without a fixed account and region."""
        return self.account is None

    @property
    def required_tags(self) -> dict[str, str]:
        """The tags every taggable resource carries, by their AWS tag key."""
        return {
            "owner": self.tags.owner,
            "cost-center": self.tags.cost_center,
            "data-classification": self.tags.data_classification,
            "environment": self.name,
        }
