"""The platform resources personas are granted on, as ARN patterns of one stack."""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.studio.personas.actions import PRODUCTION_APPROVAL_STEP


@dataclass(frozen=True)
class PersonaResources:
    """ARN patterns of the platform's SageMaker resources, parameters and log groups.

    Attributes:
        stack: the stack the ARNs are formatted in (its partition, region, account).
        artifacts_bucket: the model-artifacts bucket.
        model_packages_arn: model packages of the platform's groups (``cd4ml-<env>-*/*``).
        model_package_groups_arn: the platform's model package groups.
        approval_parameters_arn: the projects' approval policies (``/cd4ml/<env>/projects/*``).
        pipelines_arn: the platform's SageMaker pipelines.
        pipeline_executions_arn: their executions.
        sagemaker_log_groups_arn: log groups of SageMaker jobs and apps.
        deploy_pipelines_arn: the projects' deploy pipelines (``cd4ml-<env>-*-deploy``).
        production_approvals_arn: their manual approval of production
            (``cd4ml-<env>-*-deploy/ApproveProduction/ApproveProduction``).
    """

    stack: cdk.Stack
    artifacts_bucket: s3.IBucket
    model_packages_arn: str
    model_package_groups_arn: str
    approval_parameters_arn: str
    pipelines_arn: str
    pipeline_executions_arn: str
    sagemaker_log_groups_arn: str
    deploy_pipelines_arn: str
    production_approvals_arn: str

    @classmethod
    def of(
        cls, stack: cdk.Stack, *, environment: str, artifacts_bucket: s3.IBucket
    ) -> PersonaResources:
        """The resources of ``environment``, whose SageMaker names start ``cd4ml-<env>-``."""
        prefix = f"cd4ml-{environment}-"
        deploy_pipelines = f"{prefix}*-deploy"
        return cls(
            stack=stack,
            artifacts_bucket=artifacts_bucket,
            model_packages_arn=sagemaker_arn(stack, "model-package", f"{prefix}*/*"),
            model_package_groups_arn=sagemaker_arn(stack, "model-package-group", f"{prefix}*"),
            approval_parameters_arn=stack.format_arn(
                service="ssm", resource="parameter", resource_name=f"cd4ml/{environment}/projects/*"
            ),
            pipelines_arn=sagemaker_arn(stack, "pipeline", f"{prefix}*"),
            pipeline_executions_arn=sagemaker_arn(stack, "pipeline", f"{prefix}*/execution/*"),
            sagemaker_log_groups_arn=stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name="/aws/sagemaker/*",
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            ),
            deploy_pipelines_arn=codepipeline_arn(stack, deploy_pipelines),
            production_approvals_arn=codepipeline_arn(
                stack, f"{deploy_pipelines}/{PRODUCTION_APPROVAL_STEP}"
            ),
        )

    def domain_arns(self, domain_id: str) -> dict[str, str]:
        """The domain, and patterns of its user profiles, spaces and apps."""
        return {
            "domain": sagemaker_arn(self.stack, "domain", domain_id),
            "user-profile": sagemaker_arn(self.stack, "user-profile", f"{domain_id}/*"),
            "space": sagemaker_arn(self.stack, "space", f"{domain_id}/*"),
            "app": sagemaker_arn(self.stack, "app", f"{domain_id}/*"),
        }


def sagemaker_arn(stack: cdk.Stack, resource: str, name: str) -> str:
    """A SageMaker ARN (or pattern) of ``stack``'s partition, region and account."""
    return stack.format_arn(service="sagemaker", resource=resource, resource_name=name)


def codepipeline_arn(stack: cdk.Stack, resource: str) -> str:
    """A CodePipeline ARN (pipeline, or ``pipeline/stage/action``) of ``stack``'s account."""
    return stack.format_arn(service="codepipeline", resource=resource)
