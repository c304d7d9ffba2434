"""Encrypted SNS topics and SQS dead-letter queues with the platform's secure defaults."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from cd4ml_constructs.compliance import acknowledge
from constructs import Construct

# How long a dead letter is kept for inspection and redrive: the SQS maximum.
DEAD_LETTER_RETENTION = cdk.Duration.days(14)


class EncryptedTopic(Construct):
    """An SNS topic encrypted with a customer-managed key that refuses plain HTTP.

    The topic policy denies every request without TLS. With
    ``allow_cloudwatch_alarms`` it also lets CloudWatch alarms of this account
    publish (the key must then let ``cloudwatch.amazonaws.com`` use it).

    :param master_key: customer-managed key of the messages.
    :param topic_name: physical name, when the name is a contract; default generated.
    :param display_name: sender name shown in email notifications.
    :param email_addresses: addresses subscribed by email (each confirms once).
    :param allow_cloudwatch_alarms: let this account's alarms publish; default False.
    :param alarm_topic: where the alarm of the undelivered-notification queue goes
        (default this topic).

    Notifications that cannot be delivered to a subscriber go to an encrypted
    dead-letter queue (``undelivered_queue``, created with the first subscriber).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        master_key: kms.IKey,
        display_name: str,
        topic_name: str | None = None,
        email_addresses: Sequence[str] = (),
        allow_cloudwatch_alarms: bool = False,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name=display_name,
            master_key=master_key,
            enforce_ssl=True,
        )
        if allow_cloudwatch_alarms:
            stack = cdk.Stack.of(self)
            self.topic.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CloudWatchAlarmsOfThisAccount",
                    principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                    actions=["sns:Publish"],
                    resources=[self.topic.topic_arn],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": stack.format_arn(
                                service="cloudwatch",
                                resource="alarm",
                                resource_name="*",
                                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                            )
                        },
                    },
                )
            )
        self.undelivered_queue: sqs.IQueue | None = None
        if email_addresses:
            self.undelivered_queue = DeadLetterQueue(
                self,
                "Undelivered",
                master_key=master_key,
                purpose=f"notifications of {display_name} that could not be delivered",
                alarm_topic=alarm_topic or self.topic,
            ).queue
        for address in email_addresses:
            self.topic.add_subscription(
                subscriptions.EmailSubscription(address, dead_letter_queue=self.undelivered_queue)
            )


class DeadLetterQueue(Construct):
    """An encrypted, TLS-only SQS queue that keeps what could not be delivered, and its alarm.

    Messages stay 14 days. An alarm on ``alarm_topic`` fires as soon as one
    message waits in the queue: a dead letter is always worth a look.

    :param master_key: customer-managed key of the messages.
    :param purpose: what lands here, in words (alarm description).
    :param alarm_topic: where the depth alarm notifies (alarm and OK).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        master_key: kms.IKey,
        purpose: str,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=master_key,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        acknowledge(
            self.queue,
            "This queue is itself a dead-letter queue (the end of a delivery chain); "
            "its messages are inspected and redriven by an operator, so it has no "
            "dead-letter queue of its own.",
            "AwsSolutions::AwsSolutions-SQS3",
            "Serverless::Serverless-SQSRedrivePolicy",
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "DepthAlarm",
            alarm_description=f"Dead letters waiting: {purpose}",
            metric=self.queue.metric_approximate_number_of_messages_visible(
                period=cdk.Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(alarm_topic)
        self.alarm.add_alarm_action(action)
        self.alarm.add_ok_action(action)
