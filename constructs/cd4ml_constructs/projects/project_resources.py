"""Everything one ML project has, from one definition: the construct both paths share."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from cd4ml_constructs.loop.ml_project import MlProject
from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.projects.deploy_pipeline import ModelDeployPipeline
from cd4ml_constructs.projects.model_build_pipeline import BuildSettings, ModelBuildPipeline
from cd4ml_constructs.projects.platform_contract import PlatformValues, drop_unused_parameter
from cd4ml_constructs.projects.seed_code import seed_code_asset
from cd4ml_constructs.sagemaker_guardrails import hold_to_job_guardrails
from config.projects import ProjectConfig
from constructs import Construct

# Where SageMaker endpoints write data capture, under the artifacts bucket (the
# drift check reads it there: lambdas/drift_check/scheduled_check.py).
DATA_CAPTURE_PREFIX = "data-capture"


class MlProjectResources(Construct):
    """One ML project: registry, policy, topic, schedules, drift monitor, build and deploy.

    A project declared in config (``ProjectStack``) and a project created from
    the catalog's template are both this construct, so the two paths cannot
    drift apart:

    * ``registry`` (:class:`MlProject`): model package group, policy, team
      topic, retrain schedule and drift monitor;
    * ``build`` (:class:`ModelBuildPipeline`): the code's CodePipeline that
      upserts the SageMaker pipeline ``cd4ml-<env>-<project>-build``;
    * ``deploy`` (:class:`ModelDeployPipeline`): the CodePipeline
      ``cd4ml-<env>-<project>-deploy`` (staging, smoke test, approval, prod).

    :param project: the validated project definition.
    :param names: the environment's naming contract.
    :param platform: the platform's resources (:func:`import_platform`).
    :param log_retention: retention of the project's log groups.
    :param registry_accounts: other accounts that may read the model package group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: ProjectConfig,
        names: LoopNames,
        platform: PlatformValues,
        log_retention: logs.RetentionDays,
        registry_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        name = project.name
        deploy = project.deploy
        deploy_accounts = [a for a in (deploy.staging_account, deploy.prod_account) if a]
        self.registry = MlProject(
            self,
            "Registry",
            project=project,
            names=names,
            retrain_trigger=platform.retrain_trigger,
            drift_check=platform.drift_check,
            alarm_topic=platform.alarm_topic,
            messages_key=platform.messages_key,
            capture_prefix=platform.artifacts_bucket.s3_url_for_object(DATA_CAPTURE_PREFIX),
            registry_accounts=sorted({*registry_accounts, *deploy_accounts}),
        )
        if self.registry.retrain_schedule is None:
            # Retrains follow data and drift only: nothing reads the trigger's ARN.
            drop_unused_parameter(cdk.Stack.of(self), names, "loop/retrain-trigger-arn")
        self.seed_code = seed_code_asset(self, "SeedCode")
        source = project.source
        self.build = ModelBuildPipeline(
            self,
            "Build",
            settings=BuildSettings(
                project=name,
                environment=names.environment,
                pipeline_name=names.build_pipeline(name),
                model_package_group=names.model_package_group(name),
                metric_name=project.metric.name,
                metric_direction=project.metric.direction,
                min_threshold=_number_text(project.min_threshold),
                source_kind=source.kind,
                connection_arn=source.connection_arn,
                repository=source.repository,
                branch=source.branch,
            ),
            platform=platform,
            seed_code=self.seed_code,
            log_retention=log_retention,
        )
        self.deploy = ModelDeployPipeline(
            self,
            "Deploy",
            names=names,
            project=name,
            deploy=deploy,
            artifact_bucket=platform.artifacts_bucket,
            artifacts_key=platform.artifacts_key,
            subnet_ids=platform.subnet_ids,
            security_group_ids=platform.security_group_ids,
            vpc_id=platform.vpc_id,
            approval_topic=platform.approval_topic,
            model_package_group_name=names.model_package_group(name),
            approval_topic_key=platform.messages_key,
        )
        # The build's roles are held to the platform's subnets, security group
        # and artifacts key by explicit denies no later allow reopens (the
        # deploy pipeline holds its own roles the same way).
        self.job_guardrails = hold_to_job_guardrails(
            self.build,
            "SageMakerJobGuardrails",
            subnet_ids=platform.subnet_ids,
            security_group_ids=platform.security_group_ids,
            kms_keys=[platform.artifacts_key],
        )


def _number_text(value: float) -> str:
    """A number as the build's environment passes it; a template parameter stays a reference."""
    if cdk.Token.is_unresolved(value):
        return cdk.Token.as_string(value)
    return repr(float(value))
