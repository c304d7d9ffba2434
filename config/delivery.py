"""The typed settings of the platform's own delivery pipeline.

``config/<name>.yaml`` (``delivery.yaml`` by default) names the tooling
account the pipeline lives in, where the platform's source comes from, and the
environments it deploys, in order, with their approval gates. Each environment
must have its own ``config/<environment>.yaml``; the pipeline's copy of an
account or region is a check against that file, never a second source of truth.
:func:`load_delivery` returns a frozen :class:`DeliverySettings` or raises
:class:`~config.ConfigError` with one line naming the file, the key, the value
and what is allowed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config import CONFIG_DIR, ConfigError, EnvironmentConfig, TagsConfig
from config.base import EmailAddress
from config.delivery_placement import check_placement, target_environment
from config.delivery_source import SourceConfig
from config.loader import _first_error, _shown

DEFAULT_DELIVERY = "delivery"
_FILE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_STACK_NAME = re.compile(r"^cd4ml-[a-z0-9-]{1,35}$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
# IAM's limit on a role name, and the longest commercial region code (ap-southeast-5).
_ROLE_NAME_LIMIT = 64
_LONGEST_REGION = 14


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _KeyedError(ValueError):
    """A cross-field error naming the key (relative to its model) at fault, as config/ expects."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(allowed)
        self.key = key
        self.value = value
        self.allowed = allowed


class ToolingConfig(_Model):
    """The account and region the pipeline is deployed into, once, by hand.

    Both omitted: the pipeline is env-agnostic and lives wherever the
    credentials of that first ``cdk deploy`` point (allowed only while every
    environment it deploys is env-agnostic too).
    """

    account: str | None = Field(default=None, description="12-digit tooling account id")
    region: str | None = Field(default=None, description="AWS region of the pipeline")

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT.match(value):
            raise ValueError("must be a 12-digit AWS account id, quoted as a string")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.match(value):
            raise ValueError("must be an AWS region code such as eu-west-1")
        return value

    @model_validator(mode="after")
    def _together(self) -> ToolingConfig:
        if (self.account is None) != (self.region is None):
            missing = "region" if self.region is None else "account"
            raise _KeyedError(missing, None, "account and region are set together, or both omitted")
        return self


class TargetConfig(_Model):
    """One environment the pipeline deploys, in list order.

    ``account`` and ``region``, when given, must equal those of
    ``config/<name>.yaml``: a pipeline that names the wrong account for an
    environment stops at synth. ``requires_approval`` defaults to true for an
    environment named ``prod`` or ``<something>-prod``.
    """

    name: str = Field(description="environment name; config/<name>.yaml must exist")
    account: str | None = Field(default=None, description="expected account of the environment")
    region: str | None = Field(default=None, description="expected region of the environment")
    requires_approval: bool | None = Field(
        default=None, description="a manual approval before this environment deploys"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _ENVIRONMENT.match(value):
            raise ValueError("must be an environment name: 2-24 lowercase letters, digits or '-'")
        return value

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT.match(value):
            raise ValueError("must be a 12-digit AWS account id, quoted as a string")
        return value

    @property
    def approval_required(self) -> bool:
        """Whether a person approves before this environment deploys."""
        if self.requires_approval is not None:
            return self.requires_approval
        return self.name == "prod" or self.name.endswith("-prod")


class DeliveryConfig(_Model):
    """The delivery pipeline: tooling account, source, environments in deploy order."""

    stack_name: str = Field(default="cd4ml-delivery", description="name of the pipeline stack")
    termination_protection: bool = Field(
        default=True,
        description="termination protection on the pipeline stack and its replication stacks",
    )
    alarm_email: EmailAddress | None = Field(
        default=None,
        description="address subscribed to the pipeline's alarm topics (break-glass key use)",
    )
    tags: TagsConfig
    tooling: ToolingConfig = ToolingConfig()
    source: SourceConfig = SourceConfig()
    environments: tuple[TargetConfig, ...] = Field(
        min_length=1, description="environments in deploy order"
    )

    @field_validator("stack_name")
    @classmethod
    def _stack_name(cls, value: str) -> str:
        if not _STACK_NAME.match(value):
            raise ValueError(
                "must be cd4ml- and up to 35 lowercase letters, digits or '-': the bootstrap "
                "policy admits only roles bounded by a cd4ml-*-permissions-boundary, and the "
                "pipeline's boundary is named after its stack"
            )
        return value

    @model_validator(mode="after")
    def _each_environment_once(self) -> DeliveryConfig:
        first: dict[str, int] = {}
        for position, target in enumerate(self.environments):
            if target.name in first:
                raise _KeyedError(
                    f"environments.{position}.name",
                    target.name,
                    f"each environment once (already at environments[{first[target.name]}]): "
                    "the list is the deploy order, and a repeat would deploy in a cycle",
                )
            first[target.name] = position
        return self


@dataclass(frozen=True)
class DeliveryTarget:
    """One environment of the pipeline: its place in the pipeline and its own config."""

    target: TargetConfig
    environment: EnvironmentConfig

    @property
    def name(self) -> str:
        """The environment name, also the pipeline stage name."""
        return self.environment.name

    @property
    def requires_approval(self) -> bool:
        """Whether a manual approval precedes this environment."""
        return self.target.approval_required


@dataclass(frozen=True)
class DeliverySettings:
    """The validated pipeline config and each target environment's own config."""

    config: DeliveryConfig
    targets: tuple[DeliveryTarget, ...]
    file_name: str

    @property
    def cross_account(self) -> bool:
        """True when some environment lives in another account than the pipeline.

        The artifact key and bucket then admit those accounts' deployment
        roles (``cross_account_keys``).
        """
        tooling = self.config.tooling.account
        return any(t.environment.account not in (None, tooling) for t in self.targets)

    @property
    def replication_regions(self) -> tuple[str, ...]:
        """Regions other than the pipeline's that some environment lives in, first-seen order.

        The pipeline keeps a replication artifact bucket (and key) in each.
        """
        regions: list[str] = []
        for target in self.targets:
            region = target.environment.region
            if region not in (None, self.config.tooling.region, *regions):
                regions.append(region)  # type: ignore[arg-type]
        return tuple(regions)

    @property
    def trusted_accounts(self) -> tuple[str, ...]:
        """Every account a resource policy of the app may name, in first-seen order."""
        accounts: list[str] = []
        for account in [self.config.tooling.account] + [
            a for t in self.targets for a in t.environment.trusted_accounts
        ]:
            if account and account not in accounts:
                accounts.append(account)
        return tuple(accounts)


def load_delivery(name: str = DEFAULT_DELIVERY, config_dir: Path = CONFIG_DIR) -> DeliverySettings:
    """Read ``config_dir/<name>.yaml`` and every environment file it names."""
    if not _FILE_NAME.match(name):
        raise ConfigError(
            f"pipeline config name {name!r} is not allowed: lowercase letters, digits or '-'"
        )
    path = config_dir / f"{name}.yaml"
    shown = _shown(path)
    if not path.is_file():
        raise ConfigError(f"{shown}: file not found; pass -c pipeline=NAME for config/NAME.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{shown}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{shown}: top level must be a mapping with tags and environments")
    try:
        config = DeliveryConfig.model_validate_json(json.dumps(raw, default=str))
    except ValidationError as error:
        raise ConfigError(f"{shown}: {_first_error(error, raw)}") from None
    targets = tuple(
        DeliveryTarget(
            target=target,
            environment=target_environment(shown, position, target, config_dir, pipeline=name),
        )
        for position, target in enumerate(config.environments)
    )
    check_placement(shown, config, [t.environment for t in targets])
    settings = DeliverySettings(config=config, targets=targets, file_name=name)
    _check_role_names(shown, config, settings.replication_regions)
    return settings


def _check_role_names(shown: str, config: DeliveryConfig, regions: tuple[str, ...]) -> None:
    """Each region's break-glass role, ``<stack_name>-<region>-key-break-glass``, fits IAM's 64.

    An env-agnostic pipeline's region is known only at deploy: the longest
    region code (14 characters) must fit.
    """
    known = [config.tooling.region] if config.tooling.region else []
    for region in (*known, *regions) if known else ("<region>", *regions):
        length = len(region) if region != "<region>" else _LONGEST_REGION
        role_name = f"{config.stack_name}-{region}-key-break-glass"
        excess = len(role_name) - len(region) + length - _ROLE_NAME_LIMIT
        if excess > 0:
            raise ConfigError(
                f'{shown}: stack_name: "{config.stack_name}" is not allowed; at most '
                f"{len(config.stack_name) - excess} characters in {region}: the break-glass "
                f"role {role_name} must fit IAM's {_ROLE_NAME_LIMIT}"
            )
