"""ProjectContractStack: what the platform publishes for its ML projects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from cd4ml_constructs.loop import EncryptedTopic, LoopNames
from cd4ml_constructs.projects import PlatformParameters, PlatformValues, workload_security_group
from cd4ml_constructs.projects.target_account_access import (
    TargetAccount,
    allow_target_accounts,
)
from constructs import Construct


class ProjectContractStack(cdk.Stack):
    """``<env>-project-contract``: the SSM parameters projects read, and what they share.

    Holds the security group of SageMaker jobs and endpoints
    (``workload_security_group``), the approval topic where production deploys
    ask the approvers (``approval_topic``), and :class:`PlatformParameters`
    under ``/cd4ml/<env>/platform/``. Project stacks depend on this stack for
    ordering only: they resolve the parameters at deploy time and import none
    of its outputs. Where a project deploys an endpoint into another account,
    the artifacts bucket's and key's policies let that account's contract
    roles read and write what the deploy needs (``target_accounts``).

    :param names: the environment's naming contract.
    :param vpc: the platform's VPC.
    :param subnets: the workload subnets of jobs and endpoints.
    :param gateway_prefix_lists: S3 and DynamoDB gateway prefix lists, when known.
    :param approval_emails: addresses subscribed to the approval topic.
    :param deploy_targets: the projects' endpoint stages in other accounts
        (:func:`~cd4ml_constructs.projects.target_account_access.target_accounts`).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        gateway_prefix_lists: Sequence[str],
        permissions_boundary: iam.IManagedPolicy,
        artifacts_key: kms.IKey,
        data_lake_key: kms.IKey,
        messages_key: kms.IKey,
        logs_key: kms.IKey,
        artifacts_bucket: s3.IBucket,
        raw_bucket: s3.IBucket,
        retrain_trigger: lambda_.IFunction,
        drift_check: lambda_.IFunction,
        alarm_topic: sns.ITopic,
        approval_emails: Sequence[str] = (),
        deploy_targets: Sequence[TargetAccount] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.workload_security_group = workload_security_group(
            self, "WorkloadSecurityGroup", vpc=vpc, gateway_prefix_lists=gateway_prefix_lists
        )
        self.approval_topic = EncryptedTopic(
            self,
            "ApprovalTopic",
            master_key=messages_key,
            topic_name=f"{names.prefix}-approvals",
            display_name=f"CD4ML {names.environment} approvals",
            email_addresses=approval_emails,
            alarm_topic=alarm_topic,
        ).topic
        self.values = PlatformValues(
            prefix=names.prefix,
            permissions_boundary=permissions_boundary,
            artifacts_key=artifacts_key,
            data_lake_key=data_lake_key,
            messages_key=messages_key,
            logs_key=logs_key,
            artifacts_bucket=artifacts_bucket,
            raw_bucket=raw_bucket,
            subnet_ids=vpc.select_subnets(
                subnet_type=subnets.subnet_type, subnets=subnets.subnets
            ).subnet_ids,
            vpc_id=vpc.vpc_id,
            security_group_ids=[self.workload_security_group.security_group_id],
            retrain_trigger=retrain_trigger,
            drift_check=drift_check,
            alarm_topic=alarm_topic,
            approval_topic=self.approval_topic,
        )
        self.parameters = PlatformParameters(self, "Parameters", names=names, values=self.values)
        self.target_accounts = list(deploy_targets)
        allow_target_accounts(
            artifacts_bucket, artifacts_key, names=names, targets=self.target_accounts
        )
