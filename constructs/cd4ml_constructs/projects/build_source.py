"""The source stage of a project's model-build code pipeline: S3 zip, Git provider, CodeCommit."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets

from cd4ml_constructs.loop.loop_function import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS
from cd4ml_constructs.loop.messaging import DeadLetterQueue
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.build_settings import BuildSettings, source_key
from cd4ml_constructs.projects.platform_contract import PlatformValues
from cd4ml_constructs.projects.seed_code import SeedCodeCopy
from constructs import Construct


def build_source(
    scope: Construct,
    *,
    settings: BuildSettings,
    platform: PlatformValues,
    seed_code: s3_assets.Asset,
    pipeline: codepipeline.IPipeline,
    output: codepipeline.Artifact,
    log_retention: logs.RetentionDays,
) -> codepipeline.IAction:
    """The source action of ``settings.source_kind``, with what that kind needs in ``scope``."""
    if settings.source_kind == "codeconnections":
        owner, _, repository = (settings.repository or "/").partition("/")
        return actions.CodeStarConnectionsSourceAction(
            action_name="Code",
            connection_arn=settings.connection_arn or "",
            owner=owner,
            repo=repository,
            branch=settings.branch,
            output=output,
            trigger_on_push=True,
        )
    if settings.source_kind == "codecommit":
        repository_construct = codecommit.Repository(
            scope,
            "Repository",
            repository_name=settings.repository or f"{settings.pipeline_name}-code",
            description=f"Model-build code of {settings.project}",
            code=codecommit.Code.from_asset(seed_code, settings.branch),
            kms_key=platform.artifacts_key,
        )
        repository_construct.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        return actions.CodeCommitSourceAction(
            action_name="Code",
            repository=repository_construct,
            branch=settings.branch,
            output=output,
            trigger=actions.CodeCommitTrigger.EVENTS,
        )
    return _s3_source(
        scope,
        settings=settings,
        platform=platform,
        seed_code=seed_code,
        pipeline=pipeline,
        output=output,
        log_retention=log_retention,
    )


def _s3_source(
    scope: Construct,
    *,
    settings: BuildSettings,
    platform: PlatformValues,
    seed_code: s3_assets.Asset,
    pipeline: codepipeline.IPipeline,
    output: codepipeline.Artifact,
    log_retention: logs.RetentionDays,
) -> codepipeline.IAction:
    """The team's zip in the artifacts bucket, seeded once; an upload starts the pipeline."""
    key = source_key(settings.project)
    SeedCodeCopy(
        scope,
        "SeedCode",
        seed_code=seed_code,
        bucket=platform.artifacts_bucket,
        key=key,
        logs_key=platform.logs_key,
        log_retention=log_retention,
    )
    start_role = ManagedPolicyRole(
        scope,
        "StartRole",
        description=f"EventBridge: starts the model-build code pipeline of {settings.project}",
        grants_policy="StartPipeline",
        assumed_by=iam.ServicePrincipal("events.amazonaws.com").with_conditions(
            {"StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account}}
        ),
    )
    dead_letters = DeadLetterQueue(
        scope,
        "StartDeadLetters",
        master_key=platform.messages_key,
        purpose=f"code uploads of {settings.project} whose build could not be started",
        alarm_topic=platform.alarm_topic,
    ).queue
    events.Rule(
        scope,
        "CodeUploaded",
        description=f"A new model-build code zip of {settings.project} starts its build",
        event_pattern=events.EventPattern(
            source=["aws.s3"],
            detail_type=["Object Created"],
            detail={
                "bucket": {"name": [platform.artifacts_bucket.bucket_name]},
                "object": {"key": [key]},
            },
        ),
        targets=[
            targets.CodePipeline(
                pipeline,
                event_role=start_role,
                dead_letter_queue=dead_letters,
                retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                max_event_age=DELIVERY_MAX_EVENT_AGE,
            )
        ],
    )
    return actions.S3SourceAction(
        action_name="Code",
        bucket=platform.artifacts_bucket,
        bucket_key=key,
        output=output,
        trigger=actions.S3Trigger.NONE,
    )
