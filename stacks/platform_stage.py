"""PlatformStage: every stack of one environment, built from its config."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.key_break_glass import KeyBreakGlassWatch
from cd4ml_constructs.loop import LoopNames
from cd4ml_constructs.projects.target_account_access import target_accounts
from cd4ml_constructs.projects.template_catalog import templates_location
from cd4ml_constructs.required_tags import RequiredTags
from config import EnvironmentConfig
from constructs import Construct
from stacks.data_lake_stack import DataLakeStack
from stacks.guardrails_stack import GuardrailsStack
from stacks.keys_stack import KeysStack
from stacks.loop_stack import LoopStack
from stacks.loop_state_stack import LoopStateStack
from stacks.network_stack import NetworkStack
from stacks.project_catalog_stack import ProjectCatalogStack
from stacks.project_contract_stack import ProjectContractStack
from stacks.project_stack import ProjectStack
from stacks.studio_stack import StudioStack


class PlatformStage(cdk.Stage):
    """The platform for one environment.

    Stacks, in dependency order: guardrails (the permissions boundary), keys,
    network, data lake (stateful, with termination protection when config
    asks), studio (its domain is stateful too). Stacks hand each other
    constructs, never ARN strings. Required tags go on every taggable
    resource; the permissions boundary goes on every IAM role of the stage,
    including stacks added later.

    :param config: the validated environment settings.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        env = cdk.Environment(account=config.account, region=config.region)
        super().__init__(scope, id, env=env)
        self.config = config
        name = config.name
        stateful: dict[str, Any] = {"termination_protection": config.termination_protection}

        self.guardrails = GuardrailsStack(
            self,
            "Guardrails",
            stack_name=f"{name}-guardrails",
            description=f"CD4ML Platform {name}: permissions boundary of every platform role",
            # IAM names are account-global: the region keeps two deployments of
            # one environment name (or two regions of one account) apart.
            boundary_name=f"cd4ml-{name}-{config.region or cdk.Aws.REGION}-permissions-boundary",
            iam_path=f"/cd4ml-{name}/",
            **stateful,
        )
        iam.PermissionsBoundary.of(self).apply(self.guardrails.permissions_boundary)

        self.keys = KeysStack(
            self,
            "Keys",
            stack_name=f"{name}-keys",
            description=f"CD4ML Platform {name}: customer-managed KMS keys",
            alias_prefix=f"cd4ml/{name}",
            deletion_window_days=config.keys.deletion_window_days,
            break_glass_role_name=f"cd4ml-{name}-{config.region or cdk.Aws.REGION}-key-break-glass",
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
            bucket_prefix=f"{name}-",
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
        self.studio = StudioStack(
            self,
            "Studio",
            stack_name=f"{name}-studio",
            description=f"CD4ML Platform {name}: personas, Studio domain and experiment tracking",
            environment=name,
            studio=config.studio,
            vpc=self.network.vpc,
            subnets=self.network.subnets,
            endpoint_security_groups=self.network.endpoints.security_groups,
            gateway_prefix_lists=list(self.network.gateway_prefix_lists.values()),
            studio_key=self.keys.studio_key,
            zone_buckets=self.data_lake.zone_buckets,
            artifacts_bucket=self.data_lake.artifacts_bucket,
            artifacts_key=self.keys.artifacts_key,
            data_lake_key=self.keys.data_lake_key,
            project_templates_location=templates_location(LoopNames(name)),
            **stateful,
        )
        self._add_loop(config, stateful)
        RequiredTags.apply(self, config.required_tags)

    def _add_loop(self, config: EnvironmentConfig, stateful: dict[str, Any]) -> None:
        """The CD4ML loop: its state (stateful), its functions, then the declared projects."""
        name = config.name
        names = LoopNames(name)
        self.loop_state = LoopStateStack(
            self,
            "LoopState",
            stack_name=f"{name}-loop-state",
            description=f"CD4ML Platform {name}: loop keys, idempotency, state and audit tables",
            alias_prefix=f"cd4ml/{name}",
            key_administrator=self.keys.key_admin_role,
            break_glass=self.keys.break_glass_role,
            deletion_window_days=config.keys.deletion_window_days,
            **stateful,
        )
        in_vpc = config.loop.functions_in_vpc
        self.loop = LoopStack(
            self,
            "Loop",
            stack_name=f"{name}-loop",
            description=f"CD4ML Platform {name}: retrain trigger, quality gate, deploy trigger, "
            "drift check and their event rules",
            names=names,
            loop=config.loop,
            log_retention_days=config.log_retention_days,
            tables=self.loop_state.tables,
            messages_key=self.loop_state.messages_key,
            logs_key=self.keys.logs_key,
            raw_bucket=self.data_lake.zone_buckets["raw"],
            artifacts_bucket=self.data_lake.artifacts_bucket,
            vpc=self.network.vpc if in_vpc else None,
            subnets=self.network.subnets if in_vpc else None,
            endpoint_security_groups=self.network.endpoints.security_groups if in_vpc else (),
            xray_endpoint="xray" in config.network.available_endpoints,
        )
        self.project_contract = ProjectContractStack(
            self,
            "ProjectContract",
            stack_name=f"{name}-project-contract",
            description=f"CD4ML Platform {name}: what the platform publishes for its ML projects",
            names=names,
            vpc=self.network.vpc,
            subnets=self.network.subnets,
            gateway_prefix_lists=config.loop.egress_prefix_lists,
            permissions_boundary=self.guardrails.permissions_boundary,
            artifacts_key=self.keys.artifacts_key,
            data_lake_key=self.keys.data_lake_key,
            messages_key=self.loop_state.messages_key,
            logs_key=self.keys.logs_key,
            artifacts_bucket=self.data_lake.artifacts_bucket,
            raw_bucket=self.data_lake.zone_buckets["raw"],
            retrain_trigger=self.loop.retrain_trigger.function,
            drift_check=self.loop.drift_check.function,
            alarm_topic=self.loop.alarm_topic,
            deploy_targets=target_accounts(
                (
                    (p.name, p.deploy.staging_account, p.deploy.prod_account)
                    for p in config.projects
                ),
                own_account=config.account,
            ),
        )
        self.project_catalog = ProjectCatalogStack(
            self,
            "ProjectCatalog",
            stack_name=f"{name}-project-catalog",
            description=f"CD4ML Platform {name}: the project template in S3 and Service Catalog",
            names=names,
            log_retention_days=config.log_retention_days,
            catalog_key=self.keys.artifacts_key,
            messages_key=self.loop_state.messages_key,
            logs_key=self.keys.logs_key,
            access_logs=self.data_lake.access_log_bucket,
            permissions_boundary=self.guardrails.permissions_boundary,
            creators=[self.studio.personas.ml_engineer],
            drift_check=self.loop.drift_check.function,
            declared_projects=[project.name for project in config.projects],
        )
        # Alarms on the platform's topic for every use of the keys' break-glass role.
        KeyBreakGlassWatch(
            self.project_contract,
            "KeyBreakGlassWatch",
            role=self.keys.break_glass_role,
            alarm_topic=self.loop.alarm_topic,
            messages_key=self.loop_state.messages_key,
        )
        # Order only: projects created from the template read the contract's parameters.
        self.project_catalog.add_stack_dependency(self.project_contract)
        self.projects: dict[str, ProjectStack] = {}
        for project in config.projects:
            stack = ProjectStack(
                self,
                f"Project{_pascal(project.name)}",
                stack_name=f"{name}-project-{project.name}",
                description=f"CD4ML Platform {name}: ML project {project.name} ({project.team})",
                names=names,
                project=project,
                log_retention_days=config.log_retention_days,
                registry_accounts=config.loop.registry_accounts,
            )
            # Order only: the project resolves the contract's parameters when it
            # deploys and imports none of its outputs.
            stack.add_stack_dependency(self.project_contract)
            self.projects[project.name] = stack


def _availability_zones(config: EnvironmentConfig) -> list[str] | None:
    """AZ names for a created VPC in a fixed region, so synth needs no AZ lookup."""
    if config.region is None:
        return None
    vpc = config.network.vpc
    if getattr(vpc, "availability_zones", None):
        return list(vpc.availability_zones)  # type: ignore[union-attr]
    return [f"{config.region}{letter}" for letter in "abc"[: config.network.az_count]]


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
