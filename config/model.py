"""The typed model of one CD4ML Platform environment.

Every model forbids unknown keys and is frozen: a typo in a YAML file is an
error, and nothing below ``app.py`` can change the settings it was given.
Decisions are made from these values at synth time (Python ``if``), never
with CloudFormation Conditions or Parameters.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from config.loop import LOOP_ENDPOINTS, LoopConfig, ProjectConfig, check_projects

# AWS commercial regions. A region outside this list is a config error rather
# than a deploy-time surprise; add a region here when AWS opens one.
AWS_REGIONS: tuple[str, ...] = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)

# Retention values CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Interface endpoints the platform knows how to create, by the short service
# name AWS uses in ``com.amazonaws.<region>.<name>``. Each one bills per AZ.
INTERFACE_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sagemaker.studio",
    "sagemaker.experiments",
    "sagemaker.featurestore-runtime",
    "sts",
    "logs",
    "monitoring",
    "kms",
    "ecr.api",
    "ecr.dkr",
    "events",
    "scheduler",
    "ssm",
    "sqs",
    "sns",
    "lambda",
    "codepipeline",
    "codebuild",
    "states",
    "glue",
    "servicecatalog",
    "execute-api",
)
InterfaceEndpoint = Literal[INTERFACE_ENDPOINTS]  # type: ignore[valid-type]

DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "sagemaker.runtime", "sts", "logs")

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
_ZONE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TagsConfig(_Model):
    """Required tags, applied to every taggable resource of the environment.

    The ``environment`` tag is the environment's name and is not set here.
    """

    owner: str = Field(description="team or person accountable for the environment")
    cost_center: str = Field(description="cost center that pays for the environment")
    data_classification: Literal["public", "internal", "confidential", "restricted"] = Field(
        description="highest classification of data the environment may hold"
    )

    @field_validator("owner", "cost_center")
    @classmethod
    def _tag_value(cls, value: str) -> str:
        if not _TAG_VALUE.match(value):
            raise ValueError(
                "must be 1-256 characters of letters, digits, spaces and _ . : / = + - @"
            )
        return value


class VpcCreate(_Model):
    """A new VPC with isolated subnets; NAT gateways only when asked for."""

    mode: Literal["create"] = "create"
    cidr: str = Field(default="10.40.0.0/16", description="IPv4 CIDR of the new VPC, /16 to /24")
    nat_gateways: int = Field(
        default=0, ge=0, le=3, description="0 keeps the VPC without internet access"
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return _ipv4_cidr(value, min_prefix=16, max_prefix=24)


class VpcImport(_Model):
    """An existing VPC, described fully in config so that synth calls no AWS API."""

    mode: Literal["import"]
    vpc_id: str = Field(description="vpc-xxxxxxxx")
    cidr: str = Field(description="the VPC's primary IPv4 CIDR (endpoint security group ingress)")
    subnet_ids: tuple[str, ...] = Field(description="private subnets, one per AZ, in AZ order")
    availability_zones: tuple[str, ...] = Field(description="the subnets' AZs, same order")
    route_table_ids: tuple[str, ...] = Field(
        default=(), description="the subnets' route tables (gateway endpoints); same order"
    )

    @field_validator("vpc_id")
    @classmethod
    def _vpc_id(cls, value: str) -> str:
        if not re.fullmatch(r"vpc-[0-9a-f]{8}([0-9a-f]{9})?", value):
            raise ValueError("must look like vpc-0123456789abcdef0")
        return value

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return _ipv4_cidr(value, min_prefix=16, max_prefix=28)

    @field_validator("subnet_ids")
    @classmethod
    def _subnets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("an imported VPC needs at least one subnet id")
        for subnet in value:
            if not re.fullmatch(r"subnet-[0-9a-f]{8}([0-9a-f]{9})?", subnet):
                raise ValueError(f"{subnet!r} must look like subnet-0123456789abcdef0")
        if len(set(value)) != len(value):
            raise ValueError("subnet ids must be unique")
        return value

    @field_validator("route_table_ids")
    @classmethod
    def _route_tables(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for table in value:
            if not re.fullmatch(r"rtb-[0-9a-f]{8}([0-9a-f]{9})?", table):
                raise ValueError(f"{table!r} must look like rtb-0123456789abcdef0")
        return value


def _vpc_mode(value: object) -> object:
    """``mode`` selects the VPC model; a VPC without one is created."""
    if isinstance(value, dict):
        return value.get("mode", "create")
    return getattr(value, "mode", None)


class NetworkConfig(_Model):
    """The VPC every platform workload runs in."""

    az_count: int = Field(default=2, ge=1, le=3, description="availability zones used")
    vpc: Annotated[
        Annotated[VpcCreate, Tag("create")] | Annotated[VpcImport, Tag("import")],
        Discriminator(_vpc_mode),
    ] = VpcCreate()
    interface_endpoints: tuple[InterfaceEndpoint, ...] = Field(
        default=DEFAULT_INTERFACE_ENDPOINTS,
        description="interface endpoints with private DNS; each bills per AZ per hour",
    )
    flow_log_retention_days: int = Field(default=365, description="VPC flow log retention")

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({name for name in value if value.count(name) > 1})
        if duplicates:
            raise ValueError(f"endpoints listed twice: {', '.join(duplicates)}")
        return value

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _log_retention(value)

    @model_validator(mode="after")
    def _imported_vpc_matches_az_count(self) -> NetworkConfig:
        if isinstance(self.vpc, VpcImport):
            vpc = self.vpc
            if len(vpc.subnet_ids) != self.az_count:
                raise _KeyError(
                    "vpc.subnet_ids",
                    list(vpc.subnet_ids),
                    f"exactly az_count ({self.az_count}) subnet ids, one per AZ",
                )
            if len(vpc.availability_zones) != len(vpc.subnet_ids):
                raise _KeyError(
                    "vpc.availability_zones",
                    list(vpc.availability_zones),
                    "one AZ per subnet id, same order",
                )
            if vpc.route_table_ids and len(vpc.route_table_ids) != len(vpc.subnet_ids):
                raise _KeyError(
                    "vpc.route_table_ids",
                    list(vpc.route_table_ids),
                    "none, or one route table per subnet id, same order",
                )
        return self


class KeysConfig(_Model):
    """Customer-managed KMS keys, one per purpose."""

    deletion_window_days: int = Field(
        default=30, ge=7, le=30, description="waiting period before a scheduled key deletion"
    )


class DataLakeConfig(_Model):
    """The S3 data lake: one bucket per zone plus model artifacts and access logs."""

    zones: tuple[str, ...] = Field(
        default=("raw", "curated", "features"), description="lake zones, one bucket each"
    )
    noncurrent_version_retention_days: int = Field(
        default=90, ge=1, le=3650, description="days a replaced object version is kept"
    )
    incomplete_upload_days: int = Field(
        default=7, ge=1, le=365, description="days before an incomplete multipart upload is aborted"
    )
    access_log_retention_days: int = Field(
        default=365, ge=1, le=3650, description="days S3 server access logs are kept"
    )

    @field_validator("zones")
    @classmethod
    def _zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one zone is required")
        for zone in value:
            if not _ZONE.match(zone):
                raise ValueError(
                    f"zone {zone!r} must be 2-31 lowercase letters, digits or '-', "
                    "starting with a letter"
                )
        duplicates = sorted({zone for zone in value if value.count(zone) > 1})
        if duplicates:
            raise ValueError(f"zone names must be unique; listed twice: {', '.join(duplicates)}")
        return value


# Personas of the platform. The first three work in SageMaker Studio, each
# through its own execution role; the platform administrator is a role that
# people assume and has no Studio profile.
PERSONAS: tuple[str, ...] = ("data_scientist", "ml_engineer", "model_approver", "platform_admin")
STUDIO_PERSONAS: tuple[str, ...] = PERSONAS[:3]

# Interface endpoints a VpcOnly Studio domain needs to work without internet
# access, and those the managed MLflow tracking server adds (its own
# PrivateLink service, reached by the SDK from inside the VPC).
STUDIO_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sagemaker.studio",
    "sts",
    "logs",
)
MLFLOW_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "sagemaker.experiments")

_PROFILE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_MAINTENANCE_WINDOW = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$")


class UserProfileConfig(_Model):
    """One person's Studio user profile; the persona decides its execution role."""

    user_name: str = Field(description="profile name: 1-63 letters, digits or '-'")
    persona: str = Field(description="data_scientist, ml_engineer or model_approver")
    team: str = Field(description="the person's team; tagged on the profile and its apps")


class ZoneAccessConfig(_Model):
    """The data lake zones one persona may read, and those it may also write."""

    read: tuple[str, ...] = Field(description="zones read (get and list objects)")
    write: tuple[str, ...] = Field(default=(), description="zones read and written")


class DataAccessConfig(_Model):
    """Data lake access of the personas that build models.

    The model approver and the platform administrator never read the lake.
    """

    data_scientist: ZoneAccessConfig = ZoneAccessConfig(
        read=("curated", "features"), write=("features",)
    )
    ml_engineer: ZoneAccessConfig = ZoneAccessConfig(
        read=("raw", "curated", "features"), write=("curated", "features")
    )


class MlflowConfig(_Model):
    """The SageMaker managed MLflow tracking server (bills by the hour while it runs)."""

    enabled: bool = Field(default=False, description="create the tracking server")
    size: Literal["Small", "Medium", "Large"] = Field(
        default="Small", description="tracking server size"
    )
    weekly_maintenance_window_start: str = Field(
        default="Sun:02:00", description="UTC start of the weekly maintenance window"
    )

    @field_validator("weekly_maintenance_window_start")
    @classmethod
    def _window(cls, value: str) -> str:
        if not _MAINTENANCE_WINDOW.match(value):
            raise ValueError("must be Ddd:HH:MM in UTC, for example Sun:02:00")
        return value


class StudioConfig(_Model):
    """The SageMaker Studio domain (VpcOnly), its user profiles and experiment tracking.

    Off unless asked for: the domain needs the interface endpoints of
    :data:`STUDIO_ENDPOINTS`, which bill per AZ. The persona roles exist either way.
    """

    enabled: bool = Field(
        default=False,
        description="create the Studio domain and profiles (needs the Studio endpoints)",
    )
    idle_timeout_minutes: int = Field(
        default=60, ge=60, le=525600, description="idle JupyterLab and Code Editor apps stop"
    )
    max_idle_timeout_minutes: int = Field(
        default=240, ge=60, le=525600, description="the longest idle timeout a user may choose"
    )
    default_instance_type: str = Field(
        default="ml.t3.medium", description="instance type of new JupyterLab and Code Editor apps"
    )
    space_volume_gb: int = Field(default=5, ge=5, le=16384, description="EBS size of a new space")
    max_space_volume_gb: int = Field(
        default=100, ge=5, le=16384, description="largest EBS size a user may give a space"
    )
    notebook_sharing: bool = Field(
        default=False,
        description="allow sharing notebooks with outputs, to an encrypted artifacts prefix",
    )
    data_access: DataAccessConfig = DataAccessConfig()
    user_profiles: tuple[UserProfileConfig, ...] = ()
    mlflow: MlflowConfig = MlflowConfig()

    @field_validator("default_instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not _INSTANCE_TYPE.match(value):
            raise ValueError("must be a SageMaker instance type such as ml.t3.medium")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> StudioConfig:
        if self.max_idle_timeout_minutes < self.idle_timeout_minutes:
            raise _KeyError(
                "max_idle_timeout_minutes",
                self.max_idle_timeout_minutes,
                f"at least idle_timeout_minutes ({self.idle_timeout_minutes})",
            )
        if self.max_space_volume_gb < self.space_volume_gb:
            raise _KeyError(
                "max_space_volume_gb",
                self.max_space_volume_gb,
                f"at least space_volume_gb ({self.space_volume_gb})",
            )
        if self.user_profiles and not self.enabled:
            raise _KeyError(
                "user_profiles",
                [profile.user_name for profile in self.user_profiles],
                "none while studio.enabled is false (profiles live in the Studio domain)",
            )
        first_use: dict[str, int] = {}
        for index, profile in enumerate(self.user_profiles):
            where = f"user_profiles[{index}]"
            if not _PROFILE_NAME.match(profile.user_name):
                raise _KeyError(
                    f"{where}.user_name",
                    profile.user_name,
                    "1-63 letters, digits or '-', starting and ending with a letter or digit",
                )
            if profile.user_name in first_use:
                raise _KeyError(
                    f"{where}.user_name",
                    profile.user_name,
                    f"a name not used before; user_profiles[{first_use[profile.user_name]}] "
                    "has it already",
                )
            first_use[profile.user_name] = index
            if profile.persona not in STUDIO_PERSONAS:
                raise _KeyError(
                    f"{where}.persona",
                    profile.persona,
                    f"one of {', '.join(STUDIO_PERSONAS)} (platform_admin is a role people "
                    "assume, not a Studio profile)",
                )
            if not _TAG_VALUE.match(profile.team):
                raise _KeyError(
                    f"{where}.team",
                    profile.team,
                    "1-256 characters of letters, digits, spaces and _ . : / = + - @",
                )
        return self


class EnvironmentConfig(_Model):
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
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return _log_retention(value)

    @model_validator(mode="after")
    def _account_and_region_together(self) -> EnvironmentConfig:
        if (self.account is None) != (self.region is None):
            missing = "region" if self.region is None else "account"
            raise _KeyError(missing, None, "account and region are set together, or both omitted")
        if self.account is None and self.network.az_count > 2:
            raise _KeyError(
                "network.az_count",
                self.network.az_count,
                "at most 2 without account and region (env-agnostic stacks see 2 AZs)",
            )
        if isinstance(self.network.vpc, VpcImport) and self.account is None:
            raise _KeyError(
                "network.vpc.mode", "import", "an imported VPC needs account and region set"
            )
        return self

    @model_validator(mode="after")
    def _studio_fits_network_and_lake(self) -> EnvironmentConfig:
        studio, endpoints = self.studio, self.network.interface_endpoints
        if studio.enabled:
            missing = [name for name in STUDIO_ENDPOINTS if name not in endpoints]
            if missing:
                raise _KeyError(
                    "network.interface_endpoints",
                    list(endpoints),
                    f"add {', '.join(missing)}: the VpcOnly Studio domain (studio.enabled) "
                    f"needs {', '.join(STUDIO_ENDPOINTS)}",
                )
            vpc = self.network.vpc
            if isinstance(vpc, VpcCreate) and vpc.nat_gateways:
                raise _KeyError(
                    "network.vpc.nat_gateways",
                    vpc.nat_gateways,
                    "0 while studio.enabled is true: Studio apps run in the workload subnets "
                    "and must not reach the internet",
                )
        if studio.mlflow.enabled:
            missing = [name for name in MLFLOW_ENDPOINTS if name not in endpoints]
            if missing:
                raise _KeyError(
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
                    raise _KeyError(
                        f"studio.data_access.{persona}.{field}",
                        list(zones),
                        f"zones of data_lake.zones: {', '.join(self.data_lake.zones)}",
                    )
        return self

    @model_validator(mode="after")
    def _loop_fits_network(self) -> EnvironmentConfig:
        check_projects(self.projects, self.name)
        if "raw" not in self.data_lake.zones:
            raise _KeyError(
                "data_lake.zones",
                list(self.data_lake.zones),
                "a list that includes raw: new objects in the raw zone ask for retrains",
            )
        if self.loop.functions_in_vpc:
            endpoints = self.network.interface_endpoints
            missing = [name for name in LOOP_ENDPOINTS if name not in endpoints]
            if missing:
                needs = "; ".join(f"{name} for {LOOP_ENDPOINTS[name]}" for name in missing)
                raise _KeyError(
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
        ``AWS::AccountId``, so it is left out for them) and ``loop.registry_accounts``.
        """
        own = (self.account,) if self.account else ()
        return own + tuple(a for a in self.loop.registry_accounts if a not in own)

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


class _KeyError(ValueError):
    """A cross-field error that knows which key (relative to its model) is at fault."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(allowed)
        self.key = key
        self.value = value
        self.allowed = allowed


def _ipv4_cidr(value: str, *, min_prefix: int, max_prefix: int) -> str:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"must be an IPv4 CIDR block such as 10.40.0.0/16 ({error})") from None
    if not min_prefix <= network.prefixlen <= max_prefix:
        raise ValueError(f"prefix length must be /{min_prefix} to /{max_prefix}")
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range")
    return value


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"must be a CloudWatch Logs retention: one of {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value
