"""The break-glass path to the delivery pipeline's keys, alarmed in the tooling account."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.key_break_glass import KeyBreakGlassWatch
from cd4ml_constructs.loop.messaging import EncryptedTopic
from cd4ml_constructs.platform_key import PlatformKey, admit_alarm_delivery
from constructs import Construct


class DeliveryKeyAlarms(Construct):
    """The tooling account's alarm topic in one region, and the watch on the break-glass role.

    The tooling account holds no environment, so no platform alarm topic: the
    pipeline keeps one of its own in each region it has keys in (KMS calls
    reach EventBridge in the key's region). The topic, its undelivered-
    notification queue and the watch's dead-letter queue are encrypted with a
    key of their own (``alias/<alias_prefix>/alarms``), which the break-glass
    role may use too, and which lets EventBridge, SNS and CloudWatch of this
    account deliver through it. :class:`KeyBreakGlassWatch` notifies the topic
    on every assumption of ``break_glass`` and every KMS call of its sessions.

    :param break_glass: the role that may use the pipeline's keys directly.
    :param key_administrator: administers the alarms key (never uses it).
    :param alias_prefix: alias namespace of the pipeline's keys, ``cd4ml/<stack>``.
    :param email_addresses: addresses subscribed to the topic (each confirms once).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        break_glass: iam.IRole,
        key_administrator: iam.IRole,
        alias_prefix: str,
        email_addresses: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.key = PlatformKey(
            self,
            "Key",
            purpose="alarms",
            alias_prefix=alias_prefix,
            administrator=key_administrator,
            break_glass=break_glass,
        ).key
        admit_alarm_delivery(self.key, account=stack.account)
        self.topic = EncryptedTopic(
            self,
            "Topic",
            master_key=self.key,
            display_name=f"CD4ML {stack.stack_name} alarms",
            email_addresses=email_addresses,
            allow_cloudwatch_alarms=True,
        ).topic
        self.watch = KeyBreakGlassWatch(
            self, "Watch", role=break_glass, alarm_topic=self.topic, messages_key=self.key
        )
