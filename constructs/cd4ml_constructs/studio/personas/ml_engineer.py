"""The ML engineer: builds data and model pipelines; never approves."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.builder import ZoneGrants, allow_builder_work, allow_lake
from cd4ml_constructs.studio.personas.resources import PersonaResources

DESCRIPTION = "ML engineer: builds data and model pipelines in Studio; cannot approve"


def grant_ml_engineer(
    role: ManagedPolicyRole,
    *,
    resources: PersonaResources,
    zone_buckets: Mapping[str, s3.IBucket],
    zones: ZoneGrants,
) -> None:
    """What a data scientist may, plus every artifact read and the platform's pipelines."""
    allow_lake(role, zone_buckets, zones)
    allow_builder_work(role, resources)
    role.grant_objects(
        resources.artifacts_bucket,
        "*",
        write=False,
        reason="The ML engineer reads every artifact of the platform's artifacts bucket, "
        "which its pipelines write.",
    )
    _allow_pipelines(role, resources)


def _allow_pipelines(role: ManagedPolicyRole, resources: PersonaResources) -> None:
    role.allow(
        "Pipelines",
        actions=[
            "sagemaker:AddTags",
            "sagemaker:CreatePipeline",
            "sagemaker:DescribePipeline",
            "sagemaker:ListPipelineExecutions",
            "sagemaker:StartPipelineExecution",
            "sagemaker:UpdatePipeline",
        ],
        resources=[resources.pipelines_arn],
        reason="SageMaker pipelines of this platform only (named cd4ml-<env>-*).",
    )
    role.allow(
        "Pipelines",
        actions=[
            "sagemaker:DescribePipelineDefinitionForExecution",
            "sagemaker:DescribePipelineExecution",
            "sagemaker:ListPipelineExecutionSteps",
            "sagemaker:RetryPipelineExecution",
            "sagemaker:StopPipelineExecution",
        ],
        resources=[resources.pipeline_executions_arn],
        reason="Executions of the platform's SageMaker pipelines (cd4ml-<env>-*).",
    )
    role.allow(
        "Pipelines",
        actions=["sagemaker:ListPipelines"],
        resources=["*"],
        reason="sagemaker:ListPipelines supports no resource-level permissions.",
    )
