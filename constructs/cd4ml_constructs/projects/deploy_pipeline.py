"""The model-deploy CodePipeline of one ML project: staging, smoke test, approval, production."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sns as sns

from cd4ml_constructs.loop.naming import PRODUCTION_APPROVAL, LoopNames
from cd4ml_constructs.projects.deploy_pipeline_actions import (
    acknowledge_stack_actions,
    endpoint_stack_action,
)
from cd4ml_constructs.projects.deploy_pipeline_artifacts import (
    PipelineArtifactsRole,
    pipeline_artifacts_prefix,
)
from cd4ml_constructs.projects.deploy_pipeline_checks import DeployCheck, build_prefix
from cd4ml_constructs.projects.deploy_pipeline_parameters import endpoint_parameters
from cd4ml_constructs.projects.deploy_pipeline_roles import DATA_CAPTURE_PREFIX
from cd4ml_constructs.projects.deploy_pipeline_stages import deploy_stages
from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget
from cd4ml_constructs.sagemaker_guardrails import hold_to_job_guardrails
from constructs import Construct

if TYPE_CHECKING:
    from config.project_deploy import DeployConfig

DEPLOY_CODE = Path(__file__).resolve().parents[3] / "pipeline_templates/model_deploy/deploy_code"
MODEL_PACKAGE_VARIABLE = "ModelPackageArn"
# The default a run gets when nothing sets the variable (CodePipeline starts one
# run when it creates the pipeline): the package check refuses it.
NO_MODEL_PACKAGE = "none"


class ModelDeployPipeline(Construct):
    """CodePipeline V2 ``cd4ml-<env>-<project>-deploy`` that puts one model version into service.

    The deploy trigger starts it with the pipeline variable ``ModelPackageArn``
    (the exact Approved version); runs queue (``QUEUED``), and its source, the
    deploy code of ``pipeline_templates/model_deploy/deploy_code/`` as an S3
    asset, never starts a run by itself. Stages:

    1. ``DeployStaging``: refuse anything but an Approved version of the
       project's group, then create or update the stack
       ``cd4ml-<env>-<project>-staging-endpoint`` (endpoint
       ``cd4ml-<env>-<project>-staging``);
    2. ``TestStaging``: the live endpoint serves this deploy's config, model
       and package, and answers the sample payload per the churn contract;
    3. ``ApproveProduction``: a person approves (notified on ``approval_topic``);
    4. ``DeployProduction``: stack ``cd4ml-<env>-<project>-prod-endpoint``
       (endpoint ``cd4ml-<env>-<project>-prod``), blue/green with canary
       traffic shifting, baking period and rollback on the template's alarms;
    5. ``VerifyProduction``: the live endpoint serves this deploy's model;
    6. ``PublishDriftBaseline``: the deployed package's drift baseline is
       copied to ``drift-baselines/<project>/<prod endpoint>/baseline.json``,
       where the production endpoint's drift check reads it (``baseline_uri``).

    Pipeline artifacts go to the platform's artifacts bucket with its key.
    Endpoints in another account (``deploy.staging_account``,
    ``deploy.prod_account``) are deployed with the roles of the target-account
    contract (see :class:`EndpointTarget`).

    Attributes: ``pipeline``; ``role`` (the pipeline's); ``staging`` and
    ``production`` (:class:`EndpointTarget`: ``deploy_role`` for CloudFormation,
    ``endpoint_role`` for SageMaker, ``action_role`` in another account);
    ``package_check``, ``staging_test``, ``production_verify``, ``baseline_publish``
    (:class:`DeployCheck`: ``project`` and ``role``); ``approval``; ``deploy_code``
    (the source asset); ``staging_parameters`` and ``production_parameters``.

    :param names: the environment's naming contract.
    :param project: the ML project's name.
    :param deploy: the project's deploy settings.
    :param artifact_bucket: the platform's artifacts bucket, imported with its key: artifact
        store, model artifacts and data capture.
    :param artifacts_key: the artifacts key (customer-managed); also endpoint volumes and capture.
    :param subnet_ids: the workload subnets (tokens allowed, e.g. an SSM StringList).
    :param security_group_ids: the workload security groups (tokens allowed).
    :param vpc_id: the VPC of the workload subnets (a token allowed).
    :param approval_topic: the model approvers' topic.
    :param approval_topic_key: the topic's key, when it is encrypted; default None.
    :param model_package_group_name: the project's model package group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        project: str,
        deploy: DeployConfig,
        artifact_bucket: s3.IBucket,
        artifacts_key: kms.IKey,
        subnet_ids: Sequence[str],
        security_group_ids: Sequence[str],
        vpc_id: str,
        approval_topic: sns.ITopic,
        model_package_group_name: str,
        approval_topic_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.pipeline_name = names.deploy_pipeline(project)
        common: dict[str, Any] = {
            "names": names,
            "project": project,
            "artifact_bucket": artifact_bucket,
            "artifacts_key": artifacts_key,
            "model_package_group_name": model_package_group_name,
            "pipeline_name": self.pipeline_name,
            "subnet_ids": subnet_ids,
            "vpc_id": vpc_id,
        }
        self.staging = EndpointTarget(
            self, "Staging", stage="staging", account=deploy.staging_account, **common
        )
        self.production = EndpointTarget(
            self, "Production", stage="prod", account=deploy.prod_account, **common
        )

        artifacts_prefix = pipeline_artifacts_prefix(self.pipeline_name)
        checks: dict[str, Any] = {
            "artifact_bucket": artifact_bucket,
            "artifacts_prefix": artifacts_prefix,
            "artifacts_key": artifacts_key,
        }
        self.role = PipelineArtifactsRole(
            self,
            "PipelineRole",
            artifact_bucket=artifact_bucket,
            artifacts_prefix=artifacts_prefix,
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
            passes_roles_to="cloudformation.amazonaws.com",
            description=f"CodePipeline role of {self.pipeline_name}",
        )
        # Byte-compiled files (written when tests import the scripts) would change the
        # asset's hash from one synth to the next.
        self.deploy_code = s3_assets.Asset(
            self,
            "DeployCode",
            path=str(DEPLOY_CODE),
            exclude=["**/__pycache__", "**/*.pyc", "**/.*"],
        )
        self.package_check = DeployCheck(
            self,
            "PackageCheck",
            buildspec="buildspec_check_package.yml",
            description=f"{self.pipeline_name}: only an Approved version of the project deploys",
            timeout=cdk.Duration.minutes(10),
            **checks,
        )
        self.package_check.allow_package_check(model_package_group_name)
        self.staging_test = DeployCheck(
            self,
            "StagingTest",
            buildspec="buildspec_staging_test.yml",
            description=f"{self.pipeline_name}: staging serves the new model and answers",
            **checks,
        )
        self.staging_test.allow_endpoint_checks(self.staging, invoke=True)
        self.production_verify = DeployCheck(
            self,
            "ProductionVerify",
            buildspec="buildspec_verify_production.yml",
            description=f"{self.pipeline_name}: production serves the new model",
            **checks,
        )
        self.production_verify.allow_endpoint_checks(self.production, invoke=False)
        self.baseline_publish = DeployCheck(
            self,
            "BaselinePublish",
            buildspec="buildspec_publish_baseline.yml",
            description=f"{self.pipeline_name}: the deployed model's drift baseline is published",
            timeout=cdk.Duration.minutes(10),
            **checks,
        )
        baseline_key = self.baseline_publish.allow_baseline_publish(
            artifact_bucket=artifact_bucket,
            project=project,
            endpoint_name=self.production.endpoint_name,
        )
        self.baseline_publish.allow_package_check(model_package_group_name)
        bucket_uri = f"s3://{artifact_bucket.bucket_name}"
        self.baseline_uri = f"{bucket_uri}/{baseline_key}"

        variable = codepipeline.Variable(
            variable_name=MODEL_PACKAGE_VARIABLE,
            default_value=NO_MODEL_PACKAGE,
            description="ARN of the Approved model package version to deploy (deploy trigger)",
        )
        package_arn = variable.reference()
        source = codepipeline.Artifact("DeployCode")
        shared: dict[str, Any] = {
            "environment": names.environment,
            "project": project,
            "deploy": deploy,
            "model_package_arn": package_arn,
            "subnet_ids": subnet_ids,
            "security_group_ids": security_group_ids,
            "artifacts_key_arn": artifacts_key.key_arn,
            "capture_uri": f"s3://{artifact_bucket.bucket_name}/{DATA_CAPTURE_PREFIX}",
        }
        self.staging_parameters = endpoint_parameters(self.staging, **shared)
        self.production_parameters = endpoint_parameters(self.production, **shared)
        staging_stack = endpoint_stack_action(
            self.staging, source, self.staging_parameters, namespace="StagingEndpoint"
        )
        production_stack = endpoint_stack_action(
            self.production, source, self.production_parameters, namespace="ProductionEndpoint"
        )
        self.approval = actions.ManualApprovalAction(
            action_name=PRODUCTION_APPROVAL,
            notification_topic=approval_topic,
            additional_information=(
                f"Deploy {package_arn} to {self.production.endpoint_name}? It passed the "
                f"verify and smoke test on {self.staging.endpoint_name}."
            ),
            timeout=cdk.Duration.hours(deploy.approval_timeout_hours),
        )

        self.pipeline = codepipeline.Pipeline(
            self,
            "Pipeline",
            pipeline_name=self.pipeline_name,
            pipeline_type=codepipeline.PipelineType.V2,
            execution_mode=codepipeline.ExecutionMode.QUEUED,
            artifact_bucket=artifact_bucket,
            cross_account_keys=False,
            role=self.role,
            use_pipeline_role_for_actions=True,
            restart_execution_on_update=False,
            variables=[variable],
            stages=deploy_stages(
                deploy_code=self.deploy_code,
                source=source,
                package_arn=package_arn,
                model_package_group_name=model_package_group_name,
                package_check=self.package_check,
                staging=self.staging,
                staging_stack=staging_stack,
                staging_test=self.staging_test,
                approval=self.approval,
                production=self.production,
                production_stack=production_stack,
                production_verify=self.production_verify,
                baseline_publish=self.baseline_publish,
                baseline_variables={
                    "BASELINE_SOURCE_URI": f"{bucket_uri}/{build_prefix(project)}/",
                    "BASELINE_URI": self.baseline_uri,
                    "KMS_KEY_ARN": artifacts_key.key_arn,
                },
            ),
        )
        if approval_topic_key is not None:
            approval_topic_key.grant_encrypt_decrypt(self.role)
        acknowledge_stack_actions(self.role, [self.staging, self.production])
        cfn_pipeline = self.pipeline.node.default_child
        assert isinstance(cfn_pipeline, cdk.CfnResource)
        # aws-cdk-lib makes the pipeline depend on its role's policy and also
        # references the role; cfn-lint notes the redundancy on this resource.
        cfn_pipeline.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        self.job_guardrails = hold_to_job_guardrails(
            self,
            "SageMakerJobGuardrails",
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
            kms_keys=[artifacts_key],
        )
