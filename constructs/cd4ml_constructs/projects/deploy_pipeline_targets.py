"""Where one stage of the model-deploy pipeline puts its endpoint, and the roles that do it.

A stage (``staging`` or ``prod``) deploys the endpoint stack
``cd4ml-<env>-<project>-<stage>-endpoint`` holding the endpoint
``cd4ml-<env>-<project>-<stage>``. In the pipeline's own account the roles are
created here; in another account they are the roles of the target-account
contract (``pipeline_templates/model_deploy/target_account_roles.yaml``):

=================================================  ==========================================
``cd4ml-<env>-<project>-<stage>-deploy``           CodePipeline's action role for the stack
``cd4ml-<env>-<project>-<stage>-cfn``              CloudFormation's role for the stack
``cd4ml-<env>-<project>-<stage>-endpoint``         the endpoint's SageMaker execution role
``cd4ml-<env>-<project>-<stage>-verify``           assumed by the checks (verify, smoke test)
=================================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.deploy_pipeline_roles import (
    endpoint_deploy_role,
    endpoint_execution_role,
)
from constructs import Construct

Stage = Literal["staging", "prod"]
# SageMaker endpoint names and IAM role names have these limits.
ENDPOINT_NAME_LIMIT = 63
ROLE_NAME_LIMIT = 64
TARGET_ROLE_SUFFIXES = ("deploy", "cfn", "endpoint", "verify")


class EndpointTarget(Construct):
    """One endpoint stage of the deploy pipeline: names, account and the roles that deploy it.

    :param names: the environment's naming contract.
    :param project: the ML project.
    :param stage: ``staging`` or ``prod``.
    :param account: the account of the endpoint; None deploys into the stack's account.
    :param artifact_bucket: the platform's artifacts bucket (model artifacts, data capture,
        pipeline artifacts).
    :param artifacts_key: the bucket's key; it also encrypts endpoint volumes and capture.
    :param model_package_group_name: the project's model package group.
    :param pipeline_name: the deploy pipeline's name (its artifacts' key prefix).
    :param subnet_ids: the workload subnets the endpoint's interfaces are held to.
    :param vpc_id: their VPC.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        project: str,
        stage: Stage,
        account: str | None,
        artifact_bucket: s3.IBucket,
        artifacts_key: kms.IKey,
        model_package_group_name: str,
        pipeline_name: str,
        subnet_ids: Sequence[str],
        vpc_id: str,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.stage = stage
        self.endpoint_name = f"{names.prefix}-{project}-{stage}"
        self.stack_name = f"{self.endpoint_name}-endpoint"
        if len(self.endpoint_name) > ENDPOINT_NAME_LIMIT:
            raise ValueError(
                f"endpoint name {self.endpoint_name} has {len(self.endpoint_name)} characters; "
                f"SageMaker allows {ENDPOINT_NAME_LIMIT}: shorten the environment or project name"
            )
        self.cross_account = account is not None and account != stack.account
        if self.cross_account and cdk.Token.is_unresolved(stack.account):
            raise ValueError(
                f"deploy.{stage}_account {account}: a deploy into another account needs the "
                "environment's account and region set in config"
            )
        self.account = account if self.cross_account else stack.account
        self.alarm_names = (
            f"{self.endpoint_name}-5xx-errors",
            f"{self.endpoint_name}-model-latency",
        )
        self.action_role: iam.IRole | None = None
        self.verify_role_arn: str | None = None
        self.endpoint_role: ManagedPolicyRole | None = None
        if self.cross_account:
            self._import_target_roles(stack)
            return
        self.endpoint_role = endpoint_execution_role(
            self,
            endpoint_name=self.endpoint_name,
            artifact_bucket=artifact_bucket,
            project=project,
            subnet_ids=subnet_ids,
            vpc_id=vpc_id,
        )
        self.endpoint_role_arn = self.endpoint_role.role_arn
        self.deploy_role: iam.IRole = endpoint_deploy_role(
            self,
            endpoint_name=self.endpoint_name,
            stack_name=self.stack_name,
            alarm_names=self.alarm_names,
            endpoint_role_arn=self.endpoint_role_arn,
            artifact_bucket=artifact_bucket,
            artifacts_key=artifacts_key,
            model_package_group_name=model_package_group_name,
            pipeline_name=pipeline_name,
            project=project,
        )

    def target_role_name(self, suffix: str) -> str:
        """``<endpoint name>-<suffix>``: a role of the target-account contract."""
        name = f"{self.endpoint_name}-{suffix}"
        if len(name) > ROLE_NAME_LIMIT:
            raise ValueError(
                f"role name {name} has {len(name)} characters; IAM allows {ROLE_NAME_LIMIT}: "
                "shorten the environment or project name for a deploy into another account"
            )
        return name

    def _import_target_roles(self, stack: cdk.Stack) -> None:
        def arn(suffix: str) -> str:
            return f"arn:{stack.partition}:iam::{self.account}:role/{self.target_role_name(suffix)}"

        self.action_role = iam.Role.from_role_arn(self, "ActionRole", arn("deploy"), mutable=False)
        self.deploy_role = iam.Role.from_role_arn(self, "DeployRole", arn("cfn"), mutable=False)
        self.endpoint_role_arn = arn("endpoint")
        self.verify_role_arn = arn("verify")
