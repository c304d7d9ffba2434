"""The break-glass path to the platform's keys: a named role people assume with MFA, alarmed."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

from cd4ml_constructs.loop.messaging import DeadLetterQueue
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct

# EventBridge matches read-only management events (such as kms:Decrypt) only
# on rules in this state; AssumeRole is matched in either state.
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"


class KeyBreakGlassRole(Construct):
    """The role that may use the platform's keys directly, when nothing else can.

    Named ``role_name`` (a contract the runbook and the alarm name), assumable
    only by principals of this account signed in with MFA, for one hour, with
    no identity policy: the key policies name it (``BreakGlassUse``), so it
    may use the keys and nothing else. Every assumption and every use is
    alarmed by :class:`KeyBreakGlassWatch`.

    :param role_name: physical name, ``cd4ml-<env>-<region>-key-break-glass``.
    """

    def __init__(self, scope: Construct, id: str, *, role_name: str) -> None:
        super().__init__(scope, id)
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            description="Break glass: uses the platform's KMS keys directly; every use alarms",
            assumed_by=iam.AccountRootPrincipal().with_conditions(
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            ),
            max_session_duration=cdk.Duration.hours(1),
        )


class KeyBreakGlassWatch(Construct):
    """Two EventBridge rules that notify ``alarm_topic`` when the break-glass role is used.

    ``AssumedRule`` matches CloudTrail's ``AssumeRole`` of ``role``;
    ``UsedRule`` matches every KMS call made with its sessions. Both need a
    CloudTrail trail logging management events in the account (an
    organization trail counts). Undeliverable notifications go to an
    encrypted dead-letter queue, itself alarmed on ``alarm_topic``.

    :param role: the break-glass role.
    :param alarm_topic: the platform's alarm topic (encrypted with ``messages_key``).
    :param messages_key: key of the alarm topic and of the dead-letter queue; it
        must let EventBridge of this account use it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role: iam.IRole,
        alarm_topic: sns.ITopic,
        messages_key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.dead_letters = DeadLetterQueue(
            self,
            "Undelivered",
            master_key=messages_key,
            purpose="break-glass key alarms that could not be delivered",
            alarm_topic=alarm_topic,
        ).queue
        patterns = {
            "AssumedRule": events.EventPattern(
                source=["aws.sts"],
                detail_type=[CLOUDTRAIL_API_CALL],
                detail={
                    "eventSource": ["sts.amazonaws.com"],
                    "eventName": ["AssumeRole"],
                    "requestParameters": {"roleArn": [role.role_arn]},
                },
            ),
            "UsedRule": events.EventPattern(
                source=["aws.kms"],
                detail_type=[CLOUDTRAIL_API_CALL],
                detail={
                    "userIdentity": {"sessionContext": {"sessionIssuer": {"arn": [role.role_arn]}}}
                },
            ),
        }
        # EventBridge publishes with a role of its own: the topic's policy and
        # its key's policy stay as they are (same-account IAM, through SNS).
        self.publisher = ManagedPolicyRole(
            self,
            "PublisherRole",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="EventBridge publishes break-glass key alarms to the alarm topic",
        )
        target = targets.SnsTopic(
            alarm_topic,
            authorize_using_role=True,
            role=self.publisher,
            dead_letter_queue=self.dead_letters,
            retry_attempts=8,
            max_event_age=cdk.Duration.hours(2),
        )
        self.rules: dict[str, events.Rule] = {}
        for rule_id, pattern in patterns.items():
            rule = events.Rule(
                self,
                rule_id,
                description=f"Break-glass key role {rule_id.removesuffix('Rule').lower()}",
                event_pattern=pattern,
                targets=[target],
            )
            cfn_rule = rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.state = ALL_MANAGEMENT_EVENTS
            self.rules[rule_id] = rule
