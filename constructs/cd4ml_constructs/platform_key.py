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


class PlatformKey(Construct):
    """A KMS key dedicated to one purpose (data lake, artifacts, logs, ...).

    Secure defaults: automatic yearly rotation, RETAIN on stack deletion, an
    alias ``alias/<alias_prefix>/<purpose>``, and a key policy in which the key
    administrator may manage but not use the key. Users get use through
    ``grant_*`` on :attr:`key` (IAM policies, enabled by the account statement).

    :param purpose: short purpose name, used in the alias and description.
    :param alias_prefix: alias namespace, derived from the environment name.
    :param administrator: principal allowed to administer (never use) the key.
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
        deletion_window: cdk.Duration | None = None,
        allow_cloudwatch_logs: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{alias_prefix} {purpose} key",
            alias=f"alias/{alias_prefix}/{purpose}",
            enable_key_rotation=True,
            pending_window=deletion_window or cdk.Duration.days(30),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="KeyAdministration",
                principals=[administrator],
                actions=list(KEY_ADMIN_ACTIONS),
                resources=["*"],
            )
        )
        if allow_cloudwatch_logs:
            stack = cdk.Stack.of(self)
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
