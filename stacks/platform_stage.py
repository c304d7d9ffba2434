"""PlatformStage: every stack of one environment, built from its config."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from cd4ml_constructs.required_tags import RequiredTags

from config import EnvironmentConfig
from constructs import Construct
from stacks.data_lake_stack import DataLakeStack
from stacks.keys_stack import KeysStack
from stacks.network_stack import NetworkStack


class PlatformStage(cdk.Stage):
    """The platform for one environment.

    Stacks, in dependency order: keys, network, data lake (stateful, with
    termination protection when config asks). Stacks hand each other
    constructs, never ARN strings. Required tags go on every taggable resource.

    :param config: the validated environment settings.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        env = cdk.Environment(account=config.account, region=config.region)
        super().__init__(scope, id, env=env)
        self.config = config
        name = config.name
        stateful: dict[str, Any] = {"termination_protection": config.termination_protection}

        self.keys = KeysStack(
            self,
            "Keys",
            stack_name=f"{name}-keys",
            description=f"CD4ML Platform {name}: customer-managed KMS keys",
            alias_prefix=f"cd4ml/{name}",
            deletion_window_days=config.keys.deletion_window_days,
            **stateful,
        )
        self.network = NetworkStack(
            self,
            "Network",
            stack_name=f"{name}-network",
            description=f"CD4ML Platform {name}: VPC, endpoints and flow logs",
            network=config.network,
            logs_key=self.keys.logs_key,
            availability_zones=_availability_zones(config),
            **stateful,
        )
        self.data_lake = DataLakeStack(
            self,
            "DataLake",
            stack_name=f"{name}-data-lake",
            description=f"CD4ML Platform {name}: data lake buckets and Glue catalog",
            data_lake=config.data_lake,
            data_lake_key=self.keys.data_lake_key,
            artifacts_key=self.keys.artifacts_key,
            catalog_prefix=f"cd4ml_{name.replace('-', '_')}",
            **stateful,
        )
        RequiredTags.apply(self, config.required_tags)


def _availability_zones(config: EnvironmentConfig) -> list[str] | None:
    """AZ names for a created VPC in a fixed region, so synth needs no AZ lookup."""
    if config.region is None:
        return None
    vpc = config.network.vpc
    if getattr(vpc, "availability_zones", None):
        return list(vpc.availability_zones)  # type: ignore[union-attr]
    return [f"{config.region}{letter}" for letter in "abc"[: config.network.az_count]]
