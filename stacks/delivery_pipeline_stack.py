"""DeliveryPipelineStack: the platform's own pipeline, deployed once by hand (tooling account)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.delivery import (
    DeliveryArtifactStore,
    DeliveryPipeline,
    DeliveryStage,
    PipelineSource,
    StageCheck,
)
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.required_tags import RequiredTags
from cd4ml_constructs.studio import PlatformPermissionsBoundary
from config.delivery import DeliverySettings
from constructs import Construct
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


class DeliveryReplicationStack(cdk.Stack):
    """The pipeline's artifact store in another region, in the tooling account.

    CodePipeline hands a cross-region action its input through a bucket in
    that action's region. This one is the platform's own (versioned, SSE-KMS
    with a customer-managed key that rotates, TLS-only, access-logged,
    RETAIN), not the unlogged one aws-cdk-lib would generate; the bucket has
    a generated physical name and is encrypted through the key's alias
    (``alias/<alias_prefix>/artifacts``), so that the pipeline's template in
    its own region can name both.

    The deploy roles of the environments in this region read their input
    here: the bucket and key policies name them. The pipeline reaches the
    store through the names alone (:meth:`view`), so that aws-cdk-lib writes
    no grant of its own into the key policy: the tooling account uses the key
    only through AWS services, like every platform key.

    :param alias_prefix: alias namespace of the key, that of the pipeline's own key.
    :param boundary_name: name of the permissions boundary of the stack's role
        (IAM names are account-global: it carries the region).
    :param readers: ARNs of the CDK deploy roles that read the pipeline's artifacts here.
    :param tags: the pipeline's required tags.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias_prefix: str,
        boundary_name: str,
        readers: Sequence[str],
        tags: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        # Commercial partition: config admits no other region (config/layers.py).
        self.alias_arn = f"arn:aws:kms:{self.region}:{self.account}:alias/{alias_prefix}/artifacts"
        boundary = PlatformPermissionsBoundary(
            self, "PermissionsBoundary", policy_name=boundary_name, iam_path=f"/{boundary_name}/"
        )
        iam.PermissionsBoundary.of(self).apply(boundary.policy)
        self.store = DeliveryArtifactStore(
            self,
            "Store",
            alias_prefix=alias_prefix,
            with_source_bucket=False,
            log_retention_days=None,
            bucket_name=cdk.PhysicalName.GENERATE_IF_NEEDED,
            encrypt_with_alias=True,
        )
        self.bucket = self.store.artifact_bucket
        if readers:
            principals = [iam.ArnPrincipal(arn) for arn in readers]
            self.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="DeployRolesReadArtifacts",
                    principals=principals,
                    actions=["s3:GetBucket*", "s3:GetObject*", "s3:List*"],
                    resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
                )
            )
            self.store.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="DeployRolesDecryptArtifacts",
                    principals=principals,
                    actions=["kms:Decrypt", "kms:DescribeKey"],
                    resources=["*"],
                )
            )
        RequiredTags.apply(self, tags)

    def view(self, scope: Construct) -> s3.IBucket:
        """The store as ``scope`` (the pipeline stack) names it: bucket name and key alias."""
        return s3.Bucket.from_bucket_attributes(
            scope,
            f"Replication-{self.region}",
            bucket_name=self.bucket.bucket_name,
            region=self.region,
            account=self.account,
            encryption_key=kms.Key.from_key_arn(
                scope, f"ReplicationKey-{self.region}", self.alias_arn
            ),
        )


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
            replication_buckets={
                region: stack.view(self) for region, stack in self.replication.items()
            },
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
