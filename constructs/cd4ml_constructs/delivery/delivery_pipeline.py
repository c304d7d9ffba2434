"""DeliveryPipeline: the platform deploys itself, environment by environment, via CDK Pipelines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import pipelines

from cd4ml_constructs.delivery.artifact_store import DeliveryArtifactStore
from cd4ml_constructs.delivery.pipeline_findings import acknowledge_generated
from cd4ml_constructs.delivery.pipeline_role import PipelineRole
from cd4ml_constructs.delivery.stage_check import StageCheck
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct

# The image CDK Pipelines defaults to, named here so that the Python 3.11 the
# repository pins is known to be in it.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
# The asset publishing CLI (npm package cdk-assets, versioned apart from the
# CDK CLI), pinned: CDK Pipelines would install whatever is "latest" that day.
CDK_ASSETS_VERSION = "4.7.3"


@dataclass(frozen=True)
class PipelineSource:
    """Where the pipeline reads the repository from.

    ``kind`` ``s3`` (zip ``object_key`` in the pipeline's own source bucket),
    ``codeconnections`` (``repository`` owner/name through ``connection_arn``)
    or ``codecommit`` (``repository`` name in the tooling account); ``branch``
    for the Git kinds.
    """

    kind: str
    object_key: str = "cd4ml-platform/source.zip"
    connection_arn: str | None = None
    repository: str | None = None
    branch: str = "main"


@dataclass(frozen=True)
class DeliveryStage:
    """One environment the pipeline deploys: its stage and its gate.

    :param stage: the environment's Stage (its stacks are deployed in
        dependency order).
    :param requires_approval: a manual approval before the stage deploys.
    :param check: the post-deploy check run after the stage deployed.
    """

    stage: cdk.Stage
    requires_approval: bool
    check: StageCheck


class DeliveryPipeline(Construct):
    """A self-mutating CDK pipeline (CodePipeline V2) that deploys the platform's stages in order.

    Source -> synth (``synth_commands``, output ``cdk.out``) -> self-mutation
    (CDK CLI ``cli_version``) -> asset publishing -> one pipeline stage per
    :class:`DeliveryStage`, in order, each with an optional manual approval
    before it and its post-deploy check after it.

    Fixed here: pipeline type V2, execution mode QUEUED (every change is
    deployed, none superseded half-way), the pipeline role used for every
    action of this account (targets are deployed through their CDK
    bootstrap roles), the artifact store of :class:`DeliveryArtifactStore`
    (customer-managed key shared with the target accounts' deployment roles
    when ``cross_account_keys``), CodeBuild logs to an encrypted log group,
    no Docker anywhere.

    :param source: where the repository comes from.
    :param synth_commands: commands of the synth step, run at the repository root.
    :param cli_version: CDK CLI version for self-mutation (pin it in one place).
    :param stages: the environments, in deploy order.
    :param cross_account_keys: true when a stage lives in another account.
    :param log_retention_days: retention of the build logs.
    :param alias_prefix: alias namespace of the pipeline's keys, ``cd4ml/<stack>``.
    :param break_glass: may use the artifact key directly in an emergency (alarmed).
    :param replication_buckets: the pipeline's artifact bucket of each other
        region a stage deploys into (region -> bucket, in the tooling
        account, encrypted through its key's alias under ``alias_prefix``);
        default none: every stage is in the pipeline's region.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: PipelineSource,
        synth_commands: Sequence[str],
        cli_version: str,
        stages: Sequence[DeliveryStage],
        cross_account_keys: bool,
        log_retention_days: int,
        alias_prefix: str,
        break_glass: iam.IRole,
        replication_buckets: Mapping[str, s3.IBucket] | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.store = DeliveryArtifactStore(
            self,
            "Store",
            alias_prefix=alias_prefix,
            break_glass=break_glass,
            with_source_bucket=source.kind == "s3",
            log_retention_days=log_retention_days,
        )
        self.role = PipelineRole(
            self,
            "PipelineRole",
            description="The delivery pipeline and every action it runs in the tooling account",
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
            key_alias_prefix=f"alias/{alias_prefix}/",
        )
        self.synth_role = ManagedPolicyRole(
            self,
            "SynthRole",
            description="The delivery pipeline's synth step: make test, then cdk synth",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
        )
        # EventBridge starts the pipeline with a role of its own: the pipeline
        # role may not reference the pipeline it runs (a dependency cycle).
        self.start_role = (
            ManagedPolicyRole(
                self,
                "StartRole",
                description="EventBridge starts the delivery pipeline on a new source version",
                assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            )
            if source.kind != "codeconnections"
            else None
        )
        self.source = self._source(source)
        self.synth = pipelines.CodeBuildStep(
            "Synth",
            input=self.source,
            install_commands=[],
            commands=list(synth_commands),
            primary_output_directory="cdk.out",
            role=self.synth_role,
            partial_build_spec=codebuild.BuildSpec.from_object(
                {"phases": {"install": {"runtime-versions": {"python": "3.11"}}}}
            ),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.QUEUED,
            synth=self.synth,
            self_mutation=True,
            cli_version=cli_version,
            cdk_assets_cli_version=CDK_ASSETS_VERSION,
            cross_account_keys=cross_account_keys,
            # One artifact store per region: aws-cdk-lib takes either the
            # pipeline's bucket alone or every region's, its own region included.
            artifact_bucket=None if replication_buckets else self.store.artifact_bucket,
            cross_region_replication_buckets={
                cdk.Stack.of(self).region: self.store.artifact_bucket,
                **replication_buckets,
            }
            if replication_buckets
            else None,
            role=self.role,
            use_pipeline_role_for_actions=True,
            use_change_sets=True,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=BUILD_IMAGE,
                    compute_type=codebuild.ComputeType.SMALL,
                    privileged=False,
                ),
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.store.build_logs)
                ),
            ),
        )
        for delivery_stage in stages:
            pre: list[pipelines.Step] = []
            if delivery_stage.requires_approval:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"Approve-{delivery_stage.stage.stage_name}",
                        comment=f"Deploy {delivery_stage.stage.stage_name}: review the change "
                        "sets of the previous stage and the diff of this one first",
                    )
                )
            self.pipeline.add_stage(
                delivery_stage.stage,
                pre=pre,
                post=[delivery_stage.check.step(input=self.source)],
            )
        self.pipeline.build_pipeline()
        cfn_pipeline = self.pipeline.pipeline.node.default_child
        assert isinstance(cfn_pipeline, codepipeline.CfnPipeline)
        # aws-cdk-lib makes the pipeline depend on its role (for the role's
        # policy) and also references the role; cfn-lint notes the redundancy.
        cfn_pipeline.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        if source.kind == "s3":
            self._start_on_upload(source.object_key)
        acknowledge_generated(
            self,
            self.pipeline,
            [
                self.role,
                self.synth_role,
                *([self.start_role] if self.start_role else []),
                *{s.check.role.node.path: s.check.role for s in stages}.values(),
            ],
        )

    def _source(self, source: PipelineSource) -> pipelines.CodePipelineSource:
        if source.kind == "s3":
            assert self.store.source_bucket is not None
            # Started by the bucket's own EventBridge notifications (below), not
            # by CloudTrail data events or polling.
            return pipelines.CodePipelineSource.s3(
                self.store.source_bucket,
                source.object_key,
                action_name="Source",
                role=self.role,
                trigger=actions.S3Trigger.NONE,
            )
        assert source.repository is not None
        if source.kind == "codeconnections":
            assert source.connection_arn is not None
            return pipelines.CodePipelineSource.connection(
                source.repository,
                source.branch,
                connection_arn=source.connection_arn,
                action_name="Source",
                trigger_on_push=True,
                code_build_clone_output=False,
            )
        repository = codecommit.Repository.from_repository_name(
            self, "Repository", source.repository
        )
        return pipelines.CodePipelineSource.code_commit(
            repository,
            source.branch,
            action_name="Source",
            trigger=actions.CodeCommitTrigger.EVENTS,
            event_role=self.start_role,
        )

    def _start_on_upload(self, object_key: str) -> None:
        bucket = self.store.source_bucket
        assert bucket is not None
        rule = events.Rule(
            self,
            "StartOnUpload",
            description="Start the delivery pipeline when a new source zip is uploaded",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={"bucket": {"name": [bucket.bucket_name]}, "object": {"key": [object_key]}},
            ),
            targets=[targets.CodePipeline(self.pipeline.pipeline, event_role=self.start_role)],
        )
        self.start_rule = rule
