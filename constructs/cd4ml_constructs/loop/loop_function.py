"""A Lambda function of the CD4ML loop with the platform's secure, observable defaults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.log_retention import retention_days
from cd4ml_constructs.loop.function_acknowledgements import acknowledge_function_design
from cd4ml_constructs.loop.function_code import (
    ARCHITECTURE,
    LAMBDAS_ROOT,
    RUNTIME,
    SHARED_PACKAGE,
    function_code,
    powertools_layer_arn,
)
from cd4ml_constructs.loop.messaging import DeadLetterQueue
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.sagemaker_guardrails import sagemaker_job_denial_statement
from constructs import Construct

# EventBridge and Scheduler delivery to a function: retries, then the delivery
# dead-letter queue. A function's own failures: retries, then its failure queue.
DELIVERY_RETRY_ATTEMPTS = 8
DELIVERY_MAX_EVENT_AGE = cdk.Duration.hours(2)
INVOCATION_RETRY_ATTEMPTS = 2
INVOCATION_MAX_EVENT_AGE = cdk.Duration.hours(6)

# What aws-cdk-lib's AWSLambdaVPCAccessExecutionRole grants: the Lambda service
# manages the function's network interfaces with the execution role.
_VPC_ACCESS_ACTIONS = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)


@dataclass(frozen=True)
class FunctionNetwork:
    """Where a function runs inside the VPC.

    Attributes:
        vpc: the VPC.
        subnets: the workload subnets.
        security_group: the functions' security group (egress to the endpoints only).
    """

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    security_group: ec2.ISecurityGroup


class LoopFunction(Construct):
    """One function of the CD4ML loop, its role, logs, dead letters and alarms.

    Secure defaults applied here: Python 3.13 on arm64 from a plain code
    folder (no bundling), the pinned Powertools layer, a role whose
    permissions sit in one customer-managed policy (logs and X-Ray only, until
    the caller grants more, and an explicit deny of every SageMaker job
    creation), environment variables encrypted with ``messages_key``, a JSON
    log group encrypted with ``logs_key`` with the configured retention
    (RETAIN), X-Ray tracing, explicit async retries with an on-failure
    destination (``failure_queue``), an alarm on errors and on each
    dead-letter queue, and the VPC when ``network`` is given.
    Events reach the function through :meth:`add_event_rule`, whose targets
    retry and dead-letter into ``delivery_queue``.

    :param folder: the function's folder under ``lambdas/``; the handler is
        ``<folder>.handler.handler``.
    :param description: what the function does.
    :param environment: environment variables.
    :param logs_key: key of the log group.
    :param log_retention_days: log retention (a CloudWatch Logs value).
    :param messages_key: key of the dead-letter queues and of the function's
        environment variables (Lambda decrypts them through the grant it makes
        when the function is deployed; the role may decrypt with the key).
    :param alarm_topic: where alarms notify.
    :param shared_packages: folders under ``lambdas/`` shipped beside the
        function's own (default ``loop_common``).
    :param extra_layers: layer ARNs beyond Powertools.
    :param memory_size: MiB (default 256).
    :param timeout: default 60 seconds.
    :param reserved_concurrency: reserved executions; None leaves the function
        unreserved (and acknowledges the packs' findings for it).
    :param network: run in the VPC; None runs outside it (acknowledged).
    :param tracing: X-Ray active tracing (default True); off for a function in
        a VPC without an ``xray`` interface endpoint, which could not deliver traces.
    :param code_root: the ``lambdas/`` folder (default: the repository's).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        folder: str,
        description: str,
        environment: Mapping[str, str],
        logs_key: kms.IKey,
        log_retention_days: int,
        messages_key: kms.IKey,
        alarm_topic: sns.ITopic,
        shared_packages: Sequence[str] = (SHARED_PACKAGE,),
        extra_layers: Sequence[str] = (),
        memory_size: int = 256,
        timeout: cdk.Duration | None = None,
        reserved_concurrency: int | None = None,
        network: FunctionNetwork | None = None,
        code_root: Path = LAMBDAS_ROOT,
        tracing: bool = True,
    ) -> None:
        super().__init__(scope, id)
        self._messages_key = messages_key
        self._alarm_topic = alarm_topic
        self._description = description
        self.role = ManagedPolicyRole(
            self,
            "Role",
            description=f"Execution role: {description}",
            grants_policy="Policy",
            grants_policy_description=f"Permissions of the function that {description[0].lower()}"
            f"{description[1:]}",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        # The loop starts pipelines; it never creates a SageMaker job itself.
        self.role.add_to_principal_policy(sagemaker_job_denial_statement())
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            encryption_key=logs_key,
            retention=retention_days(log_retention_days),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.log_group.grant_write(self.role)
        self.failure_queue = DeadLetterQueue(
            self,
            "FailureQueue",
            master_key=messages_key,
            purpose=f"invocations that failed after retries ({description})",
            alarm_topic=alarm_topic,
        ).queue
        layers = [powertools_layer_arn(self), *extra_layers]
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{folder}.handler.handler",
            code=function_code(folder, shared=shared_packages, root=code_root),
            layers=[
                lambda_.LayerVersion.from_layer_version_arn(self, f"Layer{index}", arn)
                for index, arn in enumerate(layers)
            ],
            environment=dict(environment),
            environment_encryption=messages_key,
            role=self.role,
            memory_size=memory_size,
            timeout=timeout or cdk.Duration.seconds(60),
            tracing=lambda_.Tracing.ACTIVE if tracing else lambda_.Tracing.DISABLED,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            reserved_concurrent_executions=reserved_concurrency,
            retry_attempts=INVOCATION_RETRY_ATTEMPTS,
            max_event_age=INVOCATION_MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.failure_queue),
            vpc=network.vpc if network else None,
            vpc_subnets=network.subnets if network else None,
            security_groups=[network.security_group] if network else None,
        )
        cfn_function = self.function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        # aws-cdk-lib makes the function depend on its role (for the role's
        # policy) and also references the role; cfn-lint notes the redundancy.
        cfn_function.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        acknowledge_function_design(
            cfn_function,
            reserved_concurrency=reserved_concurrency is not None,
            in_vpc=network is not None,
        )
        if network is not None:
            self.role.allow(
                sid="NetworkInterfaces",
                actions=_VPC_ACCESS_ACTIONS,
                resources=["*"],
                reason="Lambda manages a VPC function's network interfaces with its execution "
                "role; the EC2 network interface actions support no resource-level permissions.",
            )

        action = cloudwatch_actions.SnsAction(alarm_topic)
        self.errors_alarm = cloudwatch.Alarm(
            self,
            "ErrorsAlarm",
            alarm_description=f"Invocation errors: {description}",
            metric=self.function.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.errors_alarm.add_alarm_action(action)
        self.errors_alarm.add_ok_action(action)
        self._delivery_queue: DeadLetterQueue | None = None
        self.rules: dict[str, events.Rule] = {}
        if tracing:
            self.role.explain_resource(
                "*",
                "X-Ray trace uploads (xray:PutTraceSegments, xray:PutTelemetryRecords) support "
                "no resource-level permissions.",
            )
        else:
            acknowledge(
                cfn_function,
                "The function runs in a VPC without an X-Ray interface endpoint "
                "(network.interface_endpoints lacks xray), so traces could not leave it; "
                "logs and metrics remain. Add the xray endpoint to turn tracing on.",
                "Serverless::Serverless-LambdaTracing",
            )

    @property
    def delivery_queue(self) -> DeadLetterQueue:
        """Events that EventBridge or Scheduler could not deliver to the function."""
        if self._delivery_queue is None:
            self._delivery_queue = DeadLetterQueue(
                self,
                "DeliveryQueue",
                master_key=self._messages_key,
                purpose=f"events that could not be delivered ({self._description})",
                alarm_topic=self._alarm_topic,
            )
        return self._delivery_queue

    def add_event_rule(
        self, id: str, *, description: str, event_pattern: Mapping[str, Any]
    ) -> events.Rule:
        """A rule on the default event bus that invokes this function.

        The target retries delivery ``DELIVERY_RETRY_ATTEMPTS`` times for up to
        ``DELIVERY_MAX_EVENT_AGE``, then dead-letters into :attr:`delivery_queue`.

        :param event_pattern: the pattern, with EventBridge's own keys
            (``source``, ``detail-type``, ``detail``, ``resources``, ...).
        """
        rule = events.Rule(
            self,
            id,
            description=description,
            event_pattern=events.EventPattern(source=list(event_pattern["source"])),
            targets=[
                targets.LambdaFunction(
                    self.function,
                    dead_letter_queue=self.delivery_queue.queue,
                    retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                    max_event_age=DELIVERY_MAX_EVENT_AGE,
                )
            ],
        )
        cfn_rule = rule.node.default_child
        assert isinstance(cfn_rule, events.CfnRule)
        # The pattern is written as EventBridge reads it, so tests and the local
        # loop compare it with real events without translating key names.
        cfn_rule.add_property_override("EventPattern", dict(event_pattern))
        self.rules[id] = rule
        return rule
