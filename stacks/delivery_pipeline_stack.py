"""DeliveryPipelineStack: the platform's own pipeline, deployed once by hand (tooling account)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.delivery import (
    DeliveryKeyAlarms,
    DeliveryPipeline,
    DeliveryStage,
    PipelineSource,
    StageCheck,
)
from cd4ml_constructs.key_break_glass import KeyBreakGlassRole
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.required_tags import RequiredTags
from cd4ml_constructs.studio import PlatformPermissionsBoundary
from config.delivery import DeliverySettings
from constructs import Construct
from stacks.delivery_replication_stack import DeliveryReplicationStack, break_glass_role_name
from stacks.platform_stage import PlatformStage


def synth_commands(pipeline_config: str) -> list[str]:
    """The synth step: set up as the README does, run every check, then synthesize.

    ``make setup`` installs the pinned Python dependencies, Node 24 and the CDK
    CLI inside the repository; ``make test`` is the one quality command; the
    synth selects this pipeline (``-c pipeline=<pipeline_config>``) with the
    venv's Node and the pinned CLI first on PATH.
    """
    return [
        "make setup",
        "make test",
        f". .venv/bin/activate && npx cdk synth -q -c pipeline={pipeline_config}",
    ]


class DeliveryPipelineStack(cdk.Stack):
    """The delivery pipeline of the platform, with a permissions boundary on its roles.

    Self-mutating: after the first ``cdk deploy`` by hand, a change to the
    pipeline (a new environment, a new stack in the stages) is deployed by the
    pipeline itself. The stages are the same :class:`PlatformStage` objects a
    plain ``cdk deploy`` uses, so every stack added to them is delivered too.
    For each region other than its own that an environment lives in, the
    pipeline adds a :class:`DeliveryReplicationStack` beside itself in the app
    (``<stack_name>-replication-<region>``) and depends on it.

    :param settings: the validated pipeline config and its environments.
    :param stages: one stage per target, in the order of ``settings.targets``.
    :param cli_version: CDK CLI version, from ``package.json``.

    Termination protection (this stack and each replication stack) follows
    ``termination_protection`` of the pipeline config, on by default: they
    keep the pipeline's keys and artifact buckets.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: DeliverySettings,
        stages: Sequence[PlatformStage],
        cli_version: str,
        **kwargs: Any,
    ) -> None:
        config = settings.config
        # The pipeline holds the artifact stores and keys: on by default.
        protected = config.termination_protection
        super().__init__(scope, id, termination_protection=protected, **kwargs)
        name = config.stack_name
        tags = {
            "owner": config.tags.owner,
            "cost-center": config.tags.cost_center,
            "data-classification": config.tags.data_classification,
            "environment": name,
        }
        alarm_emails = [config.alarm_email] if config.alarm_email else []
        # Siblings of this stack in the app, deployed before it (the pipeline
        # depends on them) by the first deploy and by every self-mutation.
        self.replication: dict[str, DeliveryReplicationStack] = {
            region: DeliveryReplicationStack(
                scope,
                f"{id}-replication-{region}",
                stack_name=f"{name}-replication-{region}",
                description=f"CD4ML Platform: the delivery pipeline's artifacts in {region}",
                env=cdk.Environment(account=config.tooling.account, region=region),
                termination_protection=protected,
                alias_prefix=f"cd4ml/{name}",
                boundary_name=f"{name}-{region}-permissions-boundary",
                readers=[
                    _bootstrap_role_arn(t.environment.account, region, "deploy")
                    for t in settings.targets
                    if t.environment.region == region and t.environment.account
                ],
                tags=tags,
                alarm_emails=alarm_emails,
            )
            for region in settings.replication_regions
        }
        for replication in self.replication.values():
            self.add_stack_dependency(
                replication, "the pipeline's artifact store in another region"
            )
        boundary = PlatformPermissionsBoundary(
            self,
            "PermissionsBoundary",
            policy_name=f"{name}-permissions-boundary",
            iam_path=f"/{name}/",
        )
        iam.PermissionsBoundary.of(self).apply(boundary.policy)
        self.break_glass_role = KeyBreakGlassRole(
            self, "KeyBreakGlass", role_name=break_glass_role_name(f"cd4ml/{name}", self.region)
        ).role
        self.check_role = ManagedPolicyRole(
            self,
            "CheckRole",
            description="Post-deploy checks via the target accounts' read-only CDK lookup roles",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
        )
        delivery_stages = []
        for target, stage in zip(settings.targets, stages, strict=True):
            lookup_role_arn = _lookup_role_arn(stage)
            self.check_role.add_to_policy(
                iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[lookup_role_arn])
            )
            domain_id = stage.studio.node.try_find_child("DomainId")
            delivery_stages.append(
                DeliveryStage(
                    stage=stage,
                    requires_approval=target.requires_approval,
                    check=StageCheck(
                        environment=target.name,
                        loop_stack_name=stage.loop.stack_name,
                        lookup_role_arn=lookup_role_arn,
                        region=stage.region or cdk.Aws.REGION,
                        studio_domain_id=domain_id
                        if isinstance(domain_id, cdk.CfnOutput)
                        else None,
                        role=self.check_role,
                    ),
                )
            )
        source = config.source
        self.delivery = DeliveryPipeline(
            self,
            "Delivery",
            source=PipelineSource(
                kind=source.kind,
                object_key=source.object_key,
                connection_arn=source.connection_arn,
                repository=source.repository,
                branch=source.branch,
            ),
            synth_commands=synth_commands(settings.file_name),
            cli_version=cli_version,
            stages=delivery_stages,
            cross_account_keys=settings.cross_account,
            log_retention_days=max(t.environment.log_retention_days for t in settings.targets),
            alias_prefix=f"cd4ml/{name}",
            break_glass=self.break_glass_role,
            replication_buckets={
                region: stack.view(self) for region, stack in self.replication.items()
            },
        )
        self.key_alarms = DeliveryKeyAlarms(
            self,
            "KeyAlarms",
            break_glass=self.break_glass_role,
            key_administrator=self.delivery.store.key_admin_role,
            alias_prefix=f"cd4ml/{name}",
            email_addresses=alarm_emails,
        )
        RequiredTags.apply(self, tags)


def _lookup_role_arn(stage: PlatformStage) -> str:
    """The stage's CDK lookup role (bootstrap, ReadOnlyAccess), in its account and region."""
    return _bootstrap_role_arn(
        stage.account or cdk.Aws.ACCOUNT_ID, stage.region or cdk.Aws.REGION, "lookup"
    )


def _bootstrap_role_arn(account: str, region: str, purpose: str) -> str:
    """A CDK bootstrap role (``deploy``, ``lookup``) of the default qualifier."""
    qualifier = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
    return (
        f"arn:{cdk.Aws.PARTITION}:iam::{account}:role/"
        f"cdk-{qualifier}-{purpose}-role-{account}-{region}"
    )
