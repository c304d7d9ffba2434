"""The permissions boundary every IAM role of the platform, and of its projects, carries."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import flatten
from constructs import Construct

# Services the platform's roles use: SageMaker and its execution roles, the
# CD4ML loop's Lambdas, pipelines and project templates, flow logs and
# aws-cdk-lib's custom resources. The boundary is a ceiling: a role still
# needs its own policy for anything. Add a service here when a platform role
# starts to need it (IAM itself is listed action by action below).
BOUNDARY_SERVICES: tuple[str, ...] = (
    "application-autoscaling",
    "athena",
    "backup",
    "cloudformation",
    "cloudwatch",
    "codebuild",
    "codeconnections",
    "codepipeline",
    "codestar-connections",
    "dynamodb",
    "ec2",
    "ecr",
    "events",
    "glue",
    "kms",
    "lambda",
    "logs",
    "s3",
    "sagemaker",
    "sagemaker-mlflow",
    "scheduler",
    "servicecatalog",
    "sns",
    "sqs",
    "ssm",
    "states",
    "sts",
    "tag",
    "xray",
)

# IAM actions inside the ceiling: reading, passing roles, and managing roles
# that themselves carry the boundary (the deny statements enforce that).
BOUNDARY_IAM_ACTIONS: tuple[str, ...] = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:CreateServiceLinkedRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:ListRoles",
    "iam:PassRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
)

# Managed-policy changes are allowed only under the environment's IAM path,
# where project templates create their policies.
BOUNDARY_POLICY_ACTIONS: tuple[str, ...] = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)

# Role changes that must keep the boundary on the role they touch.
_BOUNDED_ROLE_ACTIONS: tuple[str, ...] = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
)

_CEILING_REASON = (
    "A permissions boundary grants nothing: it is the ceiling of what the identity policies "
    "of the platform's roles may grant. The ceiling is the list of services the platform "
    "uses; its deny statements block privilege escalation."
)
_FULL_ACCESS_RULES = (
    "HIPAA.Security::HIPAA.Security-IAMPolicyNoStatementsWithFullAccess",
    "NIST.800.53.R5::NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
    "PCI.DSS.321::PCI.DSS.321-IAMPolicyNoStatementsWithFullAccess",
)


class PlatformPermissionsBoundary(Construct):
    """A customer-managed policy, named ``policy_name``, used as permissions boundary.

    Apply it to every role of a scope with
    ``iam.PermissionsBoundary.of(scope).apply(boundary.policy)``; project
    templates attach it by name to the roles they create (the name is a
    contract, ``cd4ml-<environment>-<region>-permissions-boundary``).

    Allows, as a ceiling, the services in :data:`BOUNDARY_SERVICES`, read and
    role-management actions of IAM, and managed-policy changes under
    ``iam_path``. Denies, for every role that carries it:

    - creating a role, or changing a role's policies or boundary, unless that
      role carries this same boundary;
    - removing a boundary from a role;
    - changing or deleting this policy;
    - changing any KMS key policy (key policies change only through deployments).

    :param policy_name: the boundary's name, a contract for project templates.
    :param iam_path: IAM path under which project templates manage policies
        (for example ``/cd4ml-sandbox/``).
    """

    def __init__(self, scope: Construct, id: str, *, policy_name: str, iam_path: str) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        # Built from the name, not a reference: the policy refers to itself.
        self.policy_arn = stack.format_arn(
            service="iam", region="", resource="policy", resource_name=policy_name
        )
        managed_policies_on_path = stack.format_arn(
            service="iam", region="", resource="policy", resource_name=f"{iam_path.strip('/')}/*"
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=policy_name,
            description="Permissions boundary of every CD4ML Platform role",
            statements=[
                iam.PolicyStatement(
                    sid="PlatformServices",
                    actions=[f"{service}:*" for service in BOUNDARY_SERVICES],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="RoleManagement", actions=list(BOUNDARY_IAM_ACTIONS), resources=["*"]
                ),
                iam.PolicyStatement(
                    sid="PolicyManagementOnPlatformPath",
                    actions=list(BOUNDARY_POLICY_ACTIONS),
                    resources=[managed_policies_on_path],
                ),
                iam.PolicyStatement(
                    sid="DenyRolesWithoutThisBoundary",
                    effect=iam.Effect.DENY,
                    actions=list(_BOUNDED_ROLE_ACTIONS),
                    resources=["*"],
                    conditions={"StringNotEquals": {"iam:PermissionsBoundary": self.policy_arn}},
                ),
                iam.PolicyStatement(
                    sid="DenyBoundaryRemoval",
                    effect=iam.Effect.DENY,
                    actions=[
                        "iam:DeleteRolePermissionsBoundary",
                        "iam:DeleteUserPermissionsBoundary",
                    ],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="DenyBoundaryChanges",
                    effect=iam.Effect.DENY,
                    actions=[
                        "iam:CreatePolicyVersion",
                        "iam:DeletePolicy",
                        "iam:DeletePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                    ],
                    resources=[self.policy_arn],
                ),
                iam.PolicyStatement(
                    sid="DenyKeyPolicyChanges",
                    effect=iam.Effect.DENY,
                    actions=["kms:PutKeyPolicy"],
                    resources=["*"],
                ),
            ],
        )
        resource = self.policy.node.default_child
        assert isinstance(resource, iam.CfnManagedPolicy)
        wildcards = [f"Action::{service}:*" for service in BOUNDARY_SERVICES]
        wildcards += [
            "Resource::*",
            f"Resource::{flatten(stack.resolve(managed_policies_on_path))}",
        ]
        acknowledge(
            resource,
            _CEILING_REASON,
            *(f"AwsSolutions::AwsSolutions-IAM5[{item}]" for item in wildcards),
            *_FULL_ACCESS_RULES,
        )
