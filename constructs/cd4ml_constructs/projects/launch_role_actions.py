"""What the project template's launch role may do: the actions, per resource type it creates.

Each table is what CloudFormation calls for the resource types of the
template; :func:`cd4ml_constructs.projects.launch_role.project_launch_role`
scopes them to the template's names.
"""

from __future__ import annotations

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
# The services of SERVICE_ACTIONS whose resources are named by the naming
# contract, so that a declared project's own are known at synth; with the
# policy parameter's actions, what the launch role is denied on them.
DECLARED_PROJECT_SERVICES = ("codepipeline", "sagemaker", "sns")
POLICY_PARAMETER_ACTIONS = (
    "ssm:AddTagsToResource",
    "ssm:DeleteParameter",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:ListTagsForResource",
    "ssm:PutParameter",
    "ssm:RemoveTagsFromResource",
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
