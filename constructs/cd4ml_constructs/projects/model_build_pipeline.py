"""A project's model build: its code's CodePipeline, which upserts its SageMaker pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.loop.loop_function import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS
from cd4ml_constructs.loop.messaging import DeadLetterQueue
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.build_roles import pipeline_execution_role, upsert_role
from cd4ml_constructs.projects.platform_contract import PlatformValues
from cd4ml_constructs.projects.seed_code import SeedCodeCopy
from constructs import Construct

# CodeBuild's image with Python 3.12, on which the seed code's pins install.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
BUILD_TIMEOUT = cdk.Duration.minutes(30)


def source_key(project: str) -> str:
    """Where an S3-sourced project keeps its model-build code in the artifacts bucket."""
    return f"projects/{project}/source/model-build.zip"


@dataclass(frozen=True)
class BuildSettings:
    """What the build passes to the seed code's ``pipeline.py`` (see the seed's README).

    Strings, so that a project template may fill them from its parameters.
    """

    project: str
    environment: str
    pipeline_name: str
    model_package_group: str
    metric_name: str
    metric_direction: str
    min_threshold: str
    source_kind: str = "s3"
    connection_arn: str | None = None
    repository: str | None = None
    branch: str = "main"


class ModelBuildPipeline(Construct):
    """Source -> CodeBuild (``pipeline.py upsert``) for one project, CodePipeline V2.

    The SageMaker pipeline ``cd4ml-<env>-<project>-build`` is what the seed
    code's ``pipeline.py`` defines; this construct owns the roles it runs
    with (``execution_role``), the CodeBuild project that upserts it
    (``project``) on every change of the code, and the CodePipeline
    (``pipeline``) that runs that build. Pipeline artifacts go to the
    platform's artifacts bucket under the pipeline's name, encrypted with its key.

    Sources: ``s3`` (the zip ``projects/<project>/source/model-build.zip``,
    seeded with ``seed_code`` once when the project is created; a new upload
    starts the pipeline through an EventBridge rule), ``codeconnections``
    (GitHub, GitLab, Bitbucket) or ``codecommit`` (a repository seeded with
    ``seed_code``).

    :param settings: names and policy values the build passes on.
    :param platform: the platform's resources (:func:`import_platform`).
    :param seed_code: the seed code archive (an S3 asset of a zip).
    :param log_retention: retention of the build's log group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: BuildSettings,
        platform: PlatformValues,
        seed_code: s3_assets.Asset,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        project = settings.project
        self._log_retention = log_retention
        self.execution_role = pipeline_execution_role(
            self,
            "ExecutionRole",
            project=project,
            group_name=settings.model_package_group,
            platform=platform,
        )
        self.upsert_role = upsert_role(
            self,
            "UpsertRole",
            project=project,
            pipeline_name=settings.pipeline_name,
            execution_role=self.execution_role,
            platform=platform,
        )
        log_group = logs.LogGroup(
            self,
            "BuildLogs",
            encryption_key=platform.logs_key,
            retention=log_retention,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.project = codebuild.PipelineProject(
            self,
            "Upsert",
            description=f"Upserts the SageMaker model-build pipeline of {project}",
            role=self.upsert_role,
            encryption_key=platform.artifacts_key,
            timeout=BUILD_TIMEOUT,
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.SMALL
            ),
            environment_variables=self._variables(settings, platform, self.execution_role),
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)
            ),
        )
        for resource in (
            cdk.Stack.of(self).format_arn(
                service="logs",
                resource="log-group",
                resource_name=f"/aws/codebuild/{self.project.project_name}:*",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            ),
            cdk.Stack.of(self).format_arn(
                service="codebuild",
                resource="report-group",
                resource_name=f"{self.project.project_name}-*",
            ),
        ):
            self.upsert_role.explain_resource(
                resource,
                "aws-cdk-lib grants every CodeBuild project its default log group streams and "
                "report groups, named after the project.",
            )
        self.upsert_role.explain_resource(
            platform.artifacts_bucket.arn_for_objects("*"),
            "CodeBuild reads and writes the pipeline's artifacts, which CodePipeline keeps "
            "under the pipeline's name in the platform's artifacts bucket.",
        )
        acknowledge(
            self.project.node.default_child,
            "The project's source is CODEPIPELINE: it has no repository URL and no "
            "credentials; Git repositories are read by CodePipeline through CodeConnections.",
            "HIPAA.Security::HIPAA.Security-CodeBuildProjectSourceRepoUrl",
            "PCI.DSS.321::PCI.DSS.321-CodeBuildProjectSourceRepoUrl",
        )
        self.pipeline_role = ManagedPolicyRole(
            self,
            "PipelineRole",
            description=f"CodePipeline: model-build code of {project}",
            grants_policy="Actions",
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
        )
        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_name=f"{settings.pipeline_name}-code",
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.SUPERSEDED,
            artifact_bucket=platform.artifacts_bucket,
            role=self.pipeline_role,
            use_pipeline_role_for_actions=True,
            restart_execution_on_update=False,
        )
        self.pipeline_role.explain_resource(
            platform.artifacts_bucket.arn_for_objects("*"),
            "CodePipeline writes its artifacts under the pipeline's own name in the platform's "
            "artifacts bucket; aws-cdk-lib grants the object prefix of the artifact store.",
        )
        source_output = codepipeline.Artifact("Code")
        self.pipeline.add_stage(
            stage_name="Source",
            actions=[self._source(settings, platform, seed_code, source_output)],
        )
        self.pipeline.add_stage(
            stage_name="Upsert",
            actions=[
                actions.CodeBuildAction(
                    action_name="UpsertPipeline", project=self.project, input=source_output
                )
            ],
        )

    def _source(
        self,
        settings: BuildSettings,
        platform: PlatformValues,
        seed_code: s3_assets.Asset,
        output: codepipeline.Artifact,
    ) -> codepipeline.IAction:
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
            self.repository = codecommit.Repository(
                self,
                "Repository",
                repository_name=settings.repository or f"{settings.pipeline_name}-code",
                description=f"Model-build code of {settings.project}",
                code=codecommit.Code.from_asset(seed_code, settings.branch),
                kms_key=platform.artifacts_key,
            )
            self.repository.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            return actions.CodeCommitSourceAction(
                action_name="Code",
                repository=self.repository,
                branch=settings.branch,
                output=output,
                trigger=actions.CodeCommitTrigger.EVENTS,
            )
        key = source_key(settings.project)
        self.seed_copy = SeedCodeCopy(
            self,
            "SeedCode",
            seed_code=seed_code,
            bucket=platform.artifacts_bucket,
            key=key,
            logs_key=platform.logs_key,
            log_retention=self._log_retention,
        )
        start_role = ManagedPolicyRole(
            self,
            "StartRole",
            description=f"EventBridge: starts the model-build code pipeline of {settings.project}",
            grants_policy="StartPipeline",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}}
            ),
        )
        dead_letters = DeadLetterQueue(
            self,
            "StartDeadLetters",
            master_key=platform.messages_key,
            purpose=f"code uploads of {settings.project} whose build could not be started",
            alarm_topic=platform.alarm_topic,
        ).queue
        events.Rule(
            self,
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
                    self.pipeline,
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

    @staticmethod
    def _variables(
        settings: BuildSettings, platform: PlatformValues, execution_role: iam.IRole
    ) -> dict[str, codebuild.BuildEnvironmentVariable]:
        values = {
            "PIPELINE_ROLE_ARN": execution_role.role_arn,
            "CD4ML_ENVIRONMENT": settings.environment,
            "CD4ML_PROJECT": settings.project,
            "PIPELINE_NAME": settings.pipeline_name,
            "MODEL_PACKAGE_GROUP": settings.model_package_group,
            "ARTIFACTS_BUCKET": platform.artifacts_bucket.bucket_name,
            "ARTIFACTS_PREFIX": f"projects/{settings.project}/build",
            "KMS_KEY_ARN": platform.artifacts_key.key_arn,
            "SUBNET_IDS": cdk.Fn.join(",", list(platform.subnet_ids)),
            "SECURITY_GROUP_IDS": cdk.Fn.join(",", list(platform.security_group_ids)),
            "RAW_DATA_URI": platform.raw_bucket.s3_url_for_object(f"{settings.project}/"),
            "METRIC_NAME": settings.metric_name,
            "METRIC_DIRECTION": settings.metric_direction,
            "MIN_THRESHOLD": settings.min_threshold,
        }
        return {
            name: codebuild.BuildEnvironmentVariable(value=value) for name, value in values.items()
        }
