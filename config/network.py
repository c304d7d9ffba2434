"""The VPC every platform workload runs in: created or imported, and its endpoints."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from config.base import SettingError, StrictModel, ipv4_cidr, log_retention

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
    "xray",
)
InterfaceEndpoint = Literal[INTERFACE_ENDPOINTS]  # type: ignore[valid-type]

DEFAULT_INTERFACE_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "sagemaker.runtime", "sts", "logs")


class VpcCreate(StrictModel):
    """A new VPC with isolated subnets; NAT gateways only when asked for."""

    mode: Literal["create"] = "create"
    cidr: str = Field(default="10.40.0.0/16", description="IPv4 CIDR of the new VPC, /16 to /24")
    nat_gateways: int = Field(
        default=0, ge=0, le=3, description="0 keeps the VPC without internet access"
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return ipv4_cidr(value, min_prefix=16, max_prefix=24)


_ROUTE_TABLE = re.compile(r"^rtb-[0-9a-f]{8}([0-9a-f]{9})?$")
_SECURITY_GROUP = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
GATEWAY_SERVICES: tuple[str, ...] = ("s3", "dynamodb")


class ExistingEndpoints(StrictModel):
    """Endpoints an imported VPC already has (run by its network team): never created twice.

    Interface endpoints listed here are not created; the platform's workloads
    reach them through ``security_group_id``. A gateway endpoint is added only
    to the route tables that do not have one for that service yet.
    """

    interface: tuple[InterfaceEndpoint, ...] = Field(
        default=(), description="interface endpoints the VPC already has (private DNS on)"
    )
    security_group_id: str | None = Field(
        default=None, description="security group of those endpoints (HTTPS from the VPC)"
    )
    s3_route_tables: tuple[str, ...] = Field(
        default=(), description="route tables that already route to an S3 gateway endpoint"
    )
    dynamodb_route_tables: tuple[str, ...] = Field(
        default=(), description="route tables that already route to a DynamoDB gateway endpoint"
    )

    @field_validator("interface")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({name for name in value if value.count(name) > 1})
        if duplicates:
            raise ValueError(f"endpoints listed twice: {', '.join(duplicates)}")
        return value

    @field_validator("security_group_id")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        if value is not None and not _SECURITY_GROUP.match(value):
            raise ValueError("must look like sg-0123456789abcdef0")
        return value

    @field_validator("s3_route_tables", "dynamodb_route_tables")
    @classmethod
    def _tables(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for table in value:
            if not _ROUTE_TABLE.match(table):
                raise ValueError(f"{table!r} must look like rtb-0123456789abcdef0")
        return value

    def route_tables_with(self, service: str) -> tuple[str, ...]:
        """Route tables that already have a gateway endpoint of ``service`` (s3, dynamodb)."""
        return self.s3_route_tables if service == "s3" else self.dynamodb_route_tables


class VpcImport(StrictModel):
    """An existing VPC, described fully in config so that synth calls no AWS API."""

    mode: Literal["import"]
    vpc_id: str = Field(description="vpc-xxxxxxxx")
    cidr: str = Field(description="the VPC's primary IPv4 CIDR (endpoint security group ingress)")
    subnet_ids: tuple[str, ...] = Field(description="private subnets, one per AZ, in AZ order")
    availability_zones: tuple[str, ...] = Field(description="the subnets' AZs, same order")
    route_table_ids: tuple[str, ...] = Field(
        default=(), description="the subnets' route tables (gateway endpoints); same order"
    )
    existing_endpoints: ExistingEndpoints = ExistingEndpoints()

    @field_validator("vpc_id")
    @classmethod
    def _vpc_id(cls, value: str) -> str:
        if not re.fullmatch(r"vpc-[0-9a-f]{8}([0-9a-f]{9})?", value):
            raise ValueError("must look like vpc-0123456789abcdef0")
        return value

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return ipv4_cidr(value, min_prefix=16, max_prefix=28)

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


class NetworkConfig(StrictModel):
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
        return log_retention(value)

    @model_validator(mode="after")
    def _imported_vpc_matches_az_count(self) -> NetworkConfig:
        if isinstance(self.vpc, VpcImport):
            vpc = self.vpc
            if len(vpc.subnet_ids) != self.az_count:
                raise SettingError(
                    "vpc.subnet_ids",
                    list(vpc.subnet_ids),
                    f"exactly az_count ({self.az_count}) subnet ids, one per AZ",
                )
            if len(vpc.availability_zones) != len(vpc.subnet_ids):
                raise SettingError(
                    "vpc.availability_zones",
                    list(vpc.availability_zones),
                    "one AZ per subnet id, same order",
                )
            if vpc.route_table_ids and len(vpc.route_table_ids) != len(vpc.subnet_ids):
                raise SettingError(
                    "vpc.route_table_ids",
                    list(vpc.route_table_ids),
                    "none, or one route table per subnet id, same order",
                )
            self._existing_endpoints_fit(vpc)
        return self

    def _existing_endpoints_fit(self, vpc: VpcImport) -> None:
        existing = vpc.existing_endpoints
        twice = [name for name in existing.interface if name in self.interface_endpoints]
        if twice:
            raise SettingError(
                "vpc.existing_endpoints.interface",
                list(existing.interface),
                f"endpoints not also in interface_endpoints (to create): {', '.join(twice)} "
                "would exist twice, and the second private DNS zone fails the deploy",
            )
        if existing.interface and existing.security_group_id is None:
            raise SettingError(
                "vpc.existing_endpoints.security_group_id",
                None,
                "the security group of the existing interface endpoints, so that the "
                "platform's workloads may reach them on 443",
            )
        for service in GATEWAY_SERVICES:
            tables = existing.route_tables_with(service)
            unknown = [table for table in tables if table not in vpc.route_table_ids]
            if unknown:
                raise SettingError(
                    f"vpc.existing_endpoints.{service}_route_tables",
                    list(tables),
                    f"route tables of vpc.route_table_ids; not among them: {', '.join(unknown)}",
                )

    @property
    def available_endpoints(self) -> tuple[str, ...]:
        """Interface endpoints workloads can reach: those created and those the VPC has."""
        existing = self.vpc.existing_endpoints.interface if isinstance(self.vpc, VpcImport) else ()
        return tuple(self.interface_endpoints) + tuple(existing)
