"""KeysStack: the environment's customer-managed KMS keys (stateful, RETAIN)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs import PlatformKey
from cd4ml_constructs.key_break_glass import KeyBreakGlassRole
from constructs import Construct


class KeysStack(cdk.Stack):
    """One key per purpose, the role that administers them and the break-glass role.

    ``key_admin_role`` may manage the keys (rotation, aliases, grants, deletion) but has
    no permission to encrypt or decrypt; ``break_glass_role`` (named
    ``break_glass_role_name``) may use them directly and nothing else. Both are
    assumable only by principals of this account that signed in with MFA.
    Everyone else uses a key only through AWS services, as far as IAM grants
    allow (see :class:`~cd4ml_constructs.PlatformKey`).

    :param alias_prefix: alias namespace, ``cd4ml/<environment>``.
    :param deletion_window_days: waiting period before a scheduled key deletion.
    :param break_glass_role_name: ``cd4ml-<environment>-<region>-key-break-glass``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias_prefix: str,
        deletion_window_days: int,
        break_glass_role_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.key_admin_role = iam.Role(
            self,
            "KeyAdministratorRole",
            description="Administers the platform's KMS keys; cannot use them on data",
            assumed_by=iam.AccountRootPrincipal().with_conditions(
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            ),
            max_session_duration=cdk.Duration.hours(1),
        )
        self.break_glass_role = KeyBreakGlassRole(
            self, "KeyBreakGlass", role_name=break_glass_role_name
        ).role
        window = cdk.Duration.days(deletion_window_days)
        self.data_lake_key = PlatformKey(
            self,
            "DataLakeKey",
            purpose="data-lake",
            alias_prefix=alias_prefix,
            administrator=self.key_admin_role,
            break_glass=self.break_glass_role,
            deletion_window=window,
        ).key
        self.artifacts_key = PlatformKey(
            self,
            "ArtifactsKey",
            purpose="artifacts",
            alias_prefix=alias_prefix,
            administrator=self.key_admin_role,
            break_glass=self.break_glass_role,
            deletion_window=window,
        ).key
        # Studio home (EFS) and space (EBS) volumes hold working copies of lake
        # data: a key of their own can be audited and revoked apart from the
        # artifacts that models are built from.
        self.studio_key = PlatformKey(
            self,
            "StudioKey",
            purpose="studio",
            alias_prefix=alias_prefix,
            administrator=self.key_admin_role,
            break_glass=self.break_glass_role,
            deletion_window=window,
        ).key
        self.logs_key = PlatformKey(
            self,
            "LogsKey",
            purpose="logs",
            alias_prefix=alias_prefix,
            administrator=self.key_admin_role,
            break_glass=self.break_glass_role,
            deletion_window=window,
            allow_cloudwatch_logs=True,
        ).key
