"""The launch role of the project template: what creating one project's stack needs, no more."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.template_product import template_role_path
from constructs import Construct

# Services the template's roles are passed to.
PASSED_TO = (
    "codebuild.amazonaws.com",
    "codepipeline.amazonaws.com",
    "events.amazonaws.com",
    "lambda.amazonaws.com",
    "sagemaker.amazonaws.com",
    "scheduler.amazonaws.com",
)
ROLE_BOUNDED_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)
# The permissions boundary's ceiling leaves out changing a role's trust or
# description (iam:UpdateAssumeRolePolicy, iam:UpdateRole*): a template version
# that changes them cannot update an existing project's stack.
ROLE_ACTIONS = (
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:TagRole",
    "iam:UntagRole",
)
POLICY_ACTIONS = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
# Per service: actions, resource pattern (in this account and region), why the
# name is a wildcard. Each is what CloudFormation calls for one resource type
# of the template.
SERVICE_ACTIONS: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (
        "sagemaker",
        (
            "sagemaker:AddTags",
            "sagemaker:CreateModelPackageGroup",
            "sagemaker:DeleteModelPackageGroup",
            "sagemaker:DeleteModelPackageGroupPolicy",
            "sagemaker:DeleteTags",
            "sagemaker:DescribeModelPackageGroup",
            "sagemaker:GetModelPackageGroupPolicy",
            "sagemaker:ListTags",
            "sagemaker:PutModelPackageGroupPolicy",
        ),
        "model-package-group/{prefix}-*",
        "The model package group cd4ml-<env>-<project> of the project being created.",
    ),
    (
        "sns",
        (
            "sns:CreateTopic",
            "sns:DeleteTopic",
            "sns:GetTopicAttributes",
            "sns:ListTagsForResource",
            "sns:SetTopicAttributes",
            "sns:TagResource",
            "sns:UntagResource",
        ),
        "{prefix}-*",
        "The team topic cd4ml-<env>-<project>-notifications of the project being created.",
    ),
    (
        "codepipeline",
        (
            "codepipeline:CreatePipeline",
            "codepipeline:DeletePipeline",
            "codepipeline:GetPipeline",
            "codepipeline:GetPipelineState",
            "codepipeline:ListTagsForResource",
            "codepipeline:TagResource",
            "codepipeline:UntagResource",
            "codepipeline:UpdatePipeline",
        ),
        "{prefix}-*",
        "The project's code pipelines, named cd4ml-<env>-<project>-build-code and -deploy.",
    ),
    (
        "sqs",
        (
            "sqs:CreateQueue",
            "sqs:DeleteQueue",
            "sqs:GetQueueAttributes",
            "sqs:ListQueueTags",
            "sqs:SetQueueAttributes",
            "sqs:TagQueue",
            "sqs:UntagQueue",
        ),
        "*",
        "Dead-letter queues whose names CloudFormation generates from the project's stack "
        "name, which SageMaker chooses.",
    ),
    (
        "cloudwatch",
        (
            "cloudwatch:DeleteAlarms",
            "cloudwatch:DescribeAlarms",
            "cloudwatch:ListTagsForResource",
            "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource",
            "cloudwatch:UntagResource",
        ),
        "alarm:*",
        "The drift alarm and the dead-letter alarms; CloudFormation names the latter from "
        "the stack name.",
    ),
    (
        "logs",
        (
            "logs:AssociateKmsKey",
            "logs:CreateLogGroup",
            "logs:DeleteLogGroup",
            "logs:DeleteRetentionPolicy",
            "logs:DisassociateKmsKey",
            "logs:ListTagsForResource",
            "logs:PutRetentionPolicy",
            "logs:TagResource",
            "logs:UntagResource",
        ),
        "log-group:*",
        "Log groups of the build and the copy function, named by CloudFormation from the "
        "stack name.",
    ),
    (
        "scheduler",
        (
            "scheduler:CreateSchedule",
            "scheduler:DeleteSchedule",
            "scheduler:GetSchedule",
            "scheduler:UpdateSchedule",
        ),
        "schedule/default/*",
        "The drift check schedule in the default group, named by CloudFormation.",
    ),
    (
        "codebuild",
        (
            "codebuild:BatchGetProjects",
            "codebuild:CreateProject",
            "codebuild:DeleteProject",
            "codebuild:UpdateProject",
        ),
        "project/*",
        "The build's CodeBuild project, named by CloudFormation from the stack name.",
    ),
    (
        "events",
        (
            "events:DeleteRule",
            "events:DescribeRule",
            "events:PutRule",
            "events:PutTargets",
            "events:RemoveTargets",
            "events:TagResource",
            "events:UntagResource",
        ),
        "rule/*",
        "The rule that starts a build on a code upload, named by CloudFormation.",
    ),
    (
        "lambda",
        (
            "lambda:CreateFunction",
            "lambda:DeleteFunction",
            "lambda:GetFunction",
            "lambda:GetFunctionConfiguration",
            "lambda:InvokeFunction",
            "lambda:ListTags",
            "lambda:TagResource",
            "lambda:UntagResource",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
        ),
        "function:*",
        "aws-cdk-lib's custom-resource function (seed code copy, email subscription), named "
        "by CloudFormation, which also invokes it.",
    ),
)
STACK_ACTIONS = (
    "cloudformation:CreateStack",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateStack",
)


def project_launch_role(
    scope: Construct,
    id: str,
    *,
    names: LoopNames,
    permissions_boundary: iam.IManagedPolicy,
    catalog_bucket: s3.IBucket,
    catalog_key: kms.IKey,
    product_template: tuple[str, str],
    keys: Sequence[kms.IKey],
    scheduled_functions: Sequence[lambda_.IFunction],
) -> ManagedPolicyRole:
    """The role CloudFormation (S3 templates) and Service Catalog (launch constraint) assume.

    It creates exactly the template's resource types, named by the platform's
    naming contract where the name is a contract; roles and policies only
    under the template's IAM path and only with the permissions boundary;
    passes only those roles, only to the services that run them. It reads the
    published template and its assets, the platform's SSM contract, and
    writes project policies under ``/cd4ml/<env>/projects/``. For Service
    Catalog it manages the product's stacks (``SC-<account>-pp-*``).

    :param product_template: bucket and key of the product stack's template asset.
    :param keys: the platform keys the template's schedules, topics and queues use.
    :param scheduled_functions: the loop functions the template's schedules invoke; in an
        environment with a fixed account the template adds itself to their resource policy.
    """
    stack = cdk.Stack.of(scope)
    account = {"StringEquals": {"aws:SourceAccount": stack.account}}
    role = ManagedPolicyRole(
        scope,
        id,
        description=f"Launch role of the CD4ML {names.environment} project template",
        grants_policy="Launch",
        assumed_by=iam.CompositePrincipal(
            iam.ServicePrincipal("cloudformation.amazonaws.com").with_conditions(account),
            iam.ServicePrincipal("servicecatalog.amazonaws.com").with_conditions(account),
        ),
    )
    path = template_role_path(names).strip("/")
    roles = stack.format_arn(service="iam", region="", resource="role", resource_name=f"{path}/*")
    policies = stack.format_arn(
        service="iam", region="", resource="policy", resource_name=f"{path}/*"
    )
    path_reason = "Roles and policies of a project's stack, named by CloudFormation under the "
    role.allow(
        "Launch",
        actions=ROLE_BOUNDED_ACTIONS,
        resources=[roles],
        conditions={
            "StringEquals": {"iam:PermissionsBoundary": permissions_boundary.managed_policy_arn}
        },
        reason=path_reason + "template's IAM path, only with the permissions boundary.",
    )
    role.allow(
        "Launch",
        actions=ROLE_ACTIONS,
        resources=[roles],
        reason=path_reason + "template's IAM path.",
    )
    role.allow("Launch", actions=POLICY_ACTIONS, resources=[policies], reason=path_reason + "path.")
    role.allow(
        "Launch",
        actions=["iam:PassRole"],
        resources=[roles],
        conditions={"StringEquals": {"iam:PassedToService": list(PASSED_TO)}},
        reason=path_reason + "template's path, passed only to the services that run them.",
    )
    for service, actions, pattern, reason in SERVICE_ACTIONS:
        resource = pattern.format(prefix=names.prefix)
        role.allow(
            "Launch",
            actions=actions,
            resources=[_arn(stack, service, resource)],
            reason=reason,
        )
    parameter = f"cd4ml/{names.environment}"
    role.allow(
        "Launch",
        actions=[
            "ssm:AddTagsToResource",
            "ssm:DeleteParameter",
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:ListTagsForResource",
            "ssm:PutParameter",
            "ssm:RemoveTagsFromResource",
        ],
        resources=[_arn(stack, "ssm", f"parameter/{parameter}/projects/*")],
        reason="The policy parameter /cd4ml/<env>/projects/<project> of the project being created.",
    )
    role.allow(
        "Launch",
        actions=["ssm:GetParameters"],
        resources=[_arn(stack, "ssm", f"parameter/{parameter}/platform/*")],
        reason="The platform's SSM contract, which the template reads as parameter types.",
    )
    role.allow(
        "Launch",
        actions=["s3:GetObject"],
        resources=[catalog_bucket.arn_for_objects("*")],
        reason="The published template and its assets (function code, seed code) in the "
        "catalog bucket, named by content hash.",
    )
    bucket, key = product_template
    role.allow(
        "Launch",
        actions=["s3:GetObject"],
        resources=[cdk.Fn.join("", ["arn:", cdk.Aws.PARTITION, ":s3:::", bucket, "/", key])],
    )
    role.allow("Launch", actions=["kms:Decrypt"], resources=[catalog_key.key_arn])
    role.allow(
        "Launch",
        actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        resources=sorted({platform_key.key_arn for platform_key in keys}),
    )
    role.allow(
        "Launch",
        actions=["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
        resources=sorted({function.function_arn for function in scheduled_functions}),
    )
    role.allow(
        "Launch",
        actions=STACK_ACTIONS,
        resources=[_arn(stack, "cloudformation", f"stack/SC-{stack.account}-pp-*")],
        reason="Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.",
    )
    role.allow(
        "Launch",
        actions=["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"],
        resources=["*"],
        reason="GetTemplateSummary and ValidateTemplate have no resource-level permissions.",
    )
    return role


def _arn(stack: cdk.Stack, service: str, resource: str) -> str:
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"
