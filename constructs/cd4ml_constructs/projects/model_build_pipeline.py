"""A project's model build: its code's CodePipeline, which upserts its SageMaker pipeline."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.build_roles import pipeline_execution_role, upsert_role
from cd4ml_constructs.projects.build_settings import BuildSettings
from cd4ml_constructs.projects.build_source import build_source
from cd4ml_constructs.projects.platform_contract import PlatformValues
from constructs import Construct

# CodeBuild's image with Python 3.12, on which the seed code's pins install.
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0
BUILD_TIMEOUT = cdk.Duration.minutes(30)


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
        cfn_project = self.project.node.default_child
        assert isinstance(cfn_project, codebuild.CfnProject)
        acknowledge(
            cfn_project,
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
        cfn_pipeline = self.pipeline.node.default_child
        assert isinstance(cfn_pipeline, cdk.CfnResource)
        # aws-cdk-lib makes the pipeline depend on its role's policy and also
        # references the role; cfn-lint notes the redundancy on this resource.
        cfn_pipeline.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        self.pipeline_role.explain_resource(
            platform.artifacts_bucket.arn_for_objects("*"),
            "CodePipeline writes its artifacts under the pipeline's own name in the platform's "
            "artifacts bucket; aws-cdk-lib grants the object prefix of the artifact store.",
        )
        source_output = codepipeline.Artifact("Code")
        self.pipeline.add_stage(
            stage_name="Source",
            actions=[
                build_source(
                    self,
                    settings=settings,
                    platform=platform,
                    seed_code=seed_code,
                    pipeline=self.pipeline,
                    output=source_output,
                    log_retention=log_retention,
                )
            ],
        )
        self.pipeline.add_stage(
            stage_name="Upsert",
            actions=[
                actions.CodeBuildAction(
                    action_name="UpsertPipeline", project=self.project, input=source_output
                )
            ],
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
