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
        return self
