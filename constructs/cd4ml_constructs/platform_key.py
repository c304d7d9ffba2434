"""A customer-managed KMS key for one purpose, with rotation and separated duties."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import Construct

# Actions that manage a key but never use it to encrypt or decrypt data. Key
# policies themselves change only through deployments (the permissions boundary
# denies kms:PutKeyPolicy to every platform role), so that action is not here.
KEY_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListResourceTags",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)

# What the account itself keeps: managing the key, including changing its
# policy, so that the deploying principal (the CloudFormation execution role)
# passes KMS's lockout check and can update the policy on the next deploy.
# IAM policies decide which principals of the account may do so; the
# permissions boundary denies kms:PutKeyPolicy to every platform role.
ACCOUNT_MANAGEMENT_ACTIONS: tuple[str, ...] = (*KEY_ADMIN_ACTIONS, "kms:PutKeyPolicy")

# Using a key on data.
KEY_USE_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)

# AWS services that use the platform's keys on behalf of a caller of this
# account (kms:ViaService): grants made through IAM (``grant_*``) take effect
# only through these services, never in a direct call to KMS.
KEY_USE_SERVICES: tuple[str, ...] = (
    "backup",
    "codebuild",
    "codepipeline",
    "dynamodb",
    "ec2",
    "elasticfilesystem",
    "glue",
    "lambda",
    "logs",
    "s3",
    "sagemaker",
    "scheduler",
    "sns",
    "sqs",
    "ssm",
)


class PlatformKey(Construct):
    """A KMS key dedicated to one purpose (data lake, artifacts, logs, ...).

    Secure defaults: automatic yearly rotation, RETAIN on stack deletion, an
    alias ``alias/<alias_prefix>/<purpose>``, and a key policy that leaves no
    ``kms:*`` to anyone:

    - ``AccountKeyManagement``: the account manages the key
      (:data:`ACCOUNT_MANAGEMENT_ACTIONS`, no use), so that the deploying
      principal can update the key policy (KMS's lockout check);
    - ``KeyAdministration``: ``administrator`` manages but never uses the key;
    - ``AccountUseThroughServices`` and ``AccountGrantsForServices``: principals
      of this account use the key, as far as their IAM policies allow (the
      ``grant_*`` methods of :attr:`key`), only through the AWS services of
      :data:`KEY_USE_SERVICES`, and create grants only for AWS resources;
    - ``BreakGlassUse``: ``break_glass``, when given, may use the key directly
      (its assumption and use are alarmed, see
      :class:`~cd4ml_constructs.key_break_glass.KeyBreakGlassWatch`).

    :param purpose: short purpose name, used in the alias and description.
    :param alias_prefix: alias namespace, derived from the environment name.
    :param administrator: principal allowed to administer (never use) the key.
    :param break_glass: principal allowed to use the key directly in an
        emergency; default none.
    :param deletion_window: waiting period for a scheduled deletion (default 30 days).
    :param allow_cloudwatch_logs: let CloudWatch Logs encrypt this account's
        log groups with the key (limited by the logs encryption context);
        default False.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        purpose: str,
        alias_prefix: str,
        administrator: iam.IPrincipal,
        break_glass: iam.IPrincipal | None = None,
        deletion_window: cdk.Duration | None = None,
        allow_cloudwatch_logs: bool = False,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{alias_prefix} {purpose} key",
            alias=f"alias/{alias_prefix}/{purpose}",
            enable_key_rotation=True,
            pending_window=deletion_window or cdk.Duration.days(30),
            removal_policy=cdk.RemovalPolicy.RETAIN,
            # A policy of our own replaces aws-cdk-lib's default, which gives
            # kms:* to the account root.
            policy=iam.PolicyDocument(statements=account_statements(stack)),
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="KeyAdministration",
                principals=[administrator],
                actions=list(KEY_ADMIN_ACTIONS),
                resources=["*"],
            )
        )
        if break_glass is not None:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="BreakGlassUse",
                    principals=[break_glass],
                    actions=list(KEY_USE_ACTIONS),
                    resources=["*"],
                )
            )
        if allow_cloudwatch_logs:
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudWatchLogsUse",
                    principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                    actions=[
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    resources=["*"],
                    conditions={
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                                service="logs",
                                resource="log-group",
                                resource_name="*",
                                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                            )
                        }
                    },
                )
            )


def account_statements(stack: cdk.Stack) -> list[iam.PolicyStatement]:
    """What the account root gets in a platform key policy: management, and use via services."""
    account = iam.AccountRootPrincipal()
    via_services = {
        "kms:CallerAccount": stack.account,
        "kms:ViaService": [
            f"{service}.{stack.region}.{stack.url_suffix}" for service in KEY_USE_SERVICES
        ],
    }
    return [
        iam.PolicyStatement(
            sid="AccountKeyManagement",
            principals=[account],
            actions=list(ACCOUNT_MANAGEMENT_ACTIONS),
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="AccountUseThroughServices",
            principals=[account],
            actions=list(KEY_USE_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": via_services},
        ),
        iam.PolicyStatement(
            sid="AccountGrantsForServices",
            principals=[account],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "StringEquals": via_services,
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        ),
    ]


def admit_alarm_delivery(key: kms.IKey, *, account: str) -> None:
    """Let the services that deliver alarms and dead letters use ``key`` for this account.

    EventBridge (dead-letter queues) and SNS (undelivered notifications) use it
    on behalf of this account only. CloudWatch publishes alarm notifications to
    a topic encrypted with the key; its calls carry no source-account context
    for KMS, so that statement has no condition, and the topic policy admits
    only this account's alarms.
    """
    same_account = {"StringEquals": {"aws:SourceAccount": account}}
    for sid, service in (
        ("EventBridgeDeadLetters", "events.amazonaws.com"),
        ("SnsUndeliveredNotifications", "sns.amazonaws.com"),
    ):
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions=same_account,
            )
        )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchAlarmNotifications",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
        )
    )
