"""A bare app holding the model-deploy pipeline: one stack in its own account, one cross-account.

The platform's objects are imported fakes (bucket with key, key, topic,
subnets from an SSM StringList as the project stack passes them), and the
stage's permissions boundary is applied as the platform stage does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

from cd4ml_constructs.compliance import add_compliance_packs
from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.projects import ModelDeployPipeline
from config.project_deploy import DeployConfig

VPC_ID = "vpc-0a1b2c3d4e5f60001"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555"
MESSAGES_KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/99999999-2222-3333-4444-555555555555"
TOPIC_ARN = "arn:aws:sns:us-east-1:111111111111:cd4ml-sandbox-approvals"
BUCKET = "cd4ml-sandbox-artifacts-111111111111"
GROUP = "cd4ml-sandbox-churn"
PIPELINE_ACCOUNT, STAGING_ACCOUNT, PROD_ACCOUNT = "111111111111", "222222222222", "333333333333"


@dataclass(frozen=True)
class DeployPipelineApp:
    """The synthesized app and the constructs of both stacks."""

    outdir: Path
    local: ModelDeployPipeline
    cross_account: ModelDeployPipeline
    templates: dict[str, dict[str, Any]]


def add_deploy_pipeline(
    stack: cdk.Stack, deploy: DeployConfig, *, encrypted_topic: bool = False
) -> ModelDeployPipeline:
    """The construct with the platform's values imported as a project stack imports them."""
    iam.PermissionsBoundary.of(stack).apply(
        iam.ManagedPolicy.from_managed_policy_name(
            stack, "Boundary", "cd4ml-sandbox-permissions-boundary"
        )
    )
    key = kms.Key.from_key_arn(stack, "ArtifactsKey", KEY_ARN)
    bucket = s3.Bucket.from_bucket_attributes(
        stack, "Artifacts", bucket_name=BUCKET, encryption_key=key
    )
    subnets = ssm.StringListParameter.value_for_typed_list_parameter(
        stack, "/cd4ml/sandbox/platform/network/subnet-ids"
    )
    security_group = ssm.StringParameter.value_for_string_parameter(
        stack, "/cd4ml/sandbox/platform/network/workload-security-group-id"
    )
    return ModelDeployPipeline(
        stack,
        "Deploy",
        names=LoopNames("sandbox"),
        project="churn",
        deploy=deploy,
        artifact_bucket=bucket,
        artifacts_key=key,
        subnet_ids=subnets,
        security_group_ids=[security_group],
        # A value, not an SSM parameter: a stack deploying into other accounts has no
        # endpoint role of its own, so it would declare a parameter it never uses.
        vpc_id=VPC_ID,
        approval_topic=sns.Topic.from_topic_arn(stack, "Approvals", TOPIC_ARN),
        model_package_group_name=GROUP,
        approval_topic_key=(
            kms.Key.from_key_arn(stack, "MessagesKey", MESSAGES_KEY_ARN)
            if encrypted_topic
            else None
        ),
    )


def synthesize(outdir: Path) -> DeployPipelineApp:
    """Both stacks in one app with every compliance pack; ``app.synth()`` raises on a finding."""
    app = cdk.App(outdir=str(outdir))
    add_compliance_packs(app)
    local = add_deploy_pipeline(cdk.Stack(app, "Local"), DeployConfig())
    cross = add_deploy_pipeline(
        cdk.Stack(
            app,
            "CrossAccount",
            env=cdk.Environment(account=PIPELINE_ACCOUNT, region="us-east-1"),
        ),
        DeployConfig(staging_account=STAGING_ACCOUNT, prod_account=PROD_ACCOUNT),
        encrypted_topic=True,
    )
    assembly = app.synth()
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    return DeployPipelineApp(outdir, local, cross, templates)
