"""LoopStateStack: the CD4ML loop's keys and tables (stateful, RETAIN)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam

from cd4ml_constructs import ManagedPolicyRole, PlatformKey
from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.loop import LoopTables
from cd4ml_constructs.managed_policy_role import flatten
from cd4ml_constructs.platform_key import admit_alarm_delivery
from constructs import Construct

# How long a daily backup of the audit and state tables is kept.
BACKUP_RETENTION_DAYS = 365


class LoopStateStack(cdk.Stack):
    """What the loop must not lose when its functions are redeployed or removed.

    ``tables_key`` encrypts the idempotency, state and audit tables
    (``tables``); ``messages_key`` encrypts the loop's topics, dead-letter
    queues and schedule payloads, and lets EventBridge (rule dead-letter
    queues), SNS (undelivered notifications) and CloudWatch (alarm
    notifications) of this account use it. The state and audit tables are
    backed up daily and kept a year (``backup_plan``, vault encrypted with
    ``tables_key``). Kept apart from the stateless ``LoopStack`` so that the
    audit trail outlives any redeploy.

    :param alias_prefix: alias namespace, ``cd4ml/<environment>``.
    :param key_administrator: administers (never uses) the keys.
    :param break_glass: may use the keys directly in an emergency (alarmed).
    :param deletion_window_days: waiting period before a scheduled key deletion.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias_prefix: str,
        key_administrator: iam.IRole,
        break_glass: iam.IRole,
        deletion_window_days: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        window = cdk.Duration.days(deletion_window_days)
        self.tables_key = PlatformKey(
            self,
            "LoopTablesKey",
            purpose="loop-tables",
            alias_prefix=alias_prefix,
            administrator=key_administrator,
            break_glass=break_glass,
            deletion_window=window,
        ).key
        self.messages_key = PlatformKey(
            self,
            "LoopMessagesKey",
            purpose="loop-messages",
            alias_prefix=alias_prefix,
            administrator=key_administrator,
            break_glass=break_glass,
            deletion_window=window,
        ).key
        admit_alarm_delivery(self.messages_key, account=self.account)
        self.tables = LoopTables(self, "Tables", encryption_key=self.tables_key)

        # The audit trail and the deployed-version state outlive point-in-time
        # recovery's 35 days: a daily backup, kept a year, in an encrypted vault.
        vault = backup.BackupVault(
            self,
            "BackupVault",
            encryption_key=self.tables_key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.backup_plan = backup.BackupPlan(
            self,
            "BackupPlan",
            backup_vault=vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="DailyKeptOneYear",
                    schedule_expression=events.Schedule.cron(minute="0", hour="4"),
                    delete_after=cdk.Duration.days(BACKUP_RETENTION_DAYS),
                )
            ],
        )
        backup_role = ManagedPolicyRole(
            self,
            "BackupRole",
            description="AWS Backup: daily backups of the loop's state and audit tables",
            grants_policy="Policy",
            grants_policy_description="Use the loop tables key for backups of the loop tables",
            assumed_by=iam.ServicePrincipal("backup.amazonaws.com"),
        )
        self.tables_key.grant_encrypt_decrypt(backup_role)
        self.backup_plan.add_selection(
            "LoopTables",
            role=backup_role,
            resources=[
                backup.BackupResource.from_dynamo_db_table(self.tables.state),
                backup.BackupResource.from_dynamo_db_table(self.tables.audit),
            ],
        )
        service_policy = iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AWSBackupServiceRolePolicyForBackup"
        )
        acknowledge(
            backup_role.node.default_child,  # type: ignore[arg-type]
            "AWS Backup's own service policy, maintained by AWS for the backup actions it "
            "performs on supported resources; the role is assumable by AWS Backup only.",
            "AwsSolutions::AwsSolutions-IAM4"
            f"[Policy::{flatten(self.resolve(service_policy.managed_policy_arn))}]",
        )
