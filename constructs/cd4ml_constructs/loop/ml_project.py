"""One ML project of the CD4ML loop: registry, policy, team topic, schedules, drift monitor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

from cd4ml_constructs.loop.drift_monitor import DriftMonitor
from cd4ml_constructs.loop.loop_function import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS
from cd4ml_constructs.loop.messaging import DeadLetterQueue, EncryptedTopic
from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct

if TYPE_CHECKING:
    from config.loop import ProjectConfig

POLICY_SCHEMA_VERSION = 1

# What another account of the organisation may do with the project's models:
# read them (to deploy an approved version); approval stays with this account.
REGISTRY_READ_ACTIONS = (
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
)


def _sorted(value: Any) -> Any:
    """``value`` with every mapping's keys sorted, so its JSON is the same on every synth."""
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    return value


def project_policy(
    project: ProjectConfig, names: LoopNames, notification_topic_arn: str
) -> dict[str, Any]:
    """The policy document the loop functions read (schema version 1), keys sorted."""
    name = project.name
    return _sorted(
        {
            "schema_version": POLICY_SCHEMA_VERSION,
            "project": name,
            "team": project.team,
            "model_package_group": names.model_package_group(name),
            "metric": {"name": project.metric.name, "direction": project.metric.direction},
            "min_threshold": float(project.min_threshold),
            "min_improvement": float(project.min_improvement),
            "approval_mode": project.approval_mode,
            "retrain": {
                "enabled": project.retrain.enabled,
                "cooldown_minutes": project.retrain.cooldown_minutes,
                "raw_prefix": names.raw_prefix(name),
            },
            "model_build_pipeline": names.build_pipeline(name),
            "deploy_pipeline": names.deploy_pipeline(name),
            "notification_topic_arn": notification_topic_arn,
            "drift_alarm_name": names.drift_alarm(name),
        }
    )


class MlProject(Construct):
    """Everything the platform keeps per ML project, from one typed project definition.

    Used for the projects an environment declares in config and by the
    project template of the catalog, so the two cannot drift apart:

    * ``model_package_group`` (``cd4ml-<env>-<project>``, RETAIN) with a
      resource policy that lets this account and ``registry_accounts`` read it;
    * ``policy_parameter``: the project's policy as JSON in an SSM String
      parameter at ``/cd4ml/<env>/projects/<project>`` (thresholds, approval
      mode, retrain switches, the names the functions may act on);
    * ``topic``: the team's notification topic (encrypted, TLS only);
    * ``retrain_schedule`` (when configured) and the :class:`DriftMonitor`,
      both EventBridge Scheduler schedules with a role of their own, retries
      and a dead-letter queue (``dead_letter_queue``, with an alarm).

    :param project: the validated project definition.
    :param names: the environment's naming contract.
    :param retrain_trigger: the retrain trigger function (scheduled retrains).
    :param drift_check: the drift check function.
    :param alarm_topic: platform alarm topic (drift, dead letters).
    :param messages_key: key of the topic, the dead-letter queue and the schedules.
    :param capture_prefix: S3 URI under which endpoints write data capture.
    :param registry_accounts: other accounts that may read the model package group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: ProjectConfig,
        names: LoopNames,
        retrain_trigger: lambda_.IFunction,
        drift_check: lambda_.IFunction,
        alarm_topic: sns.ITopic,
        messages_key: kms.IKey,
        capture_prefix: str,
        registry_accounts: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        name = project.name
        self.project = project
        group_name = names.model_package_group(name)

        self.model_package_group = sagemaker.CfnModelPackageGroup(
            self,
            "ModelPackageGroup",
            model_package_group_name=group_name,
            # Create-only: a changed description would replace the retained,
            # fixed-name group, so it holds nothing that config can change.
            model_package_group_description=f"Models of the ML project {name}",
            model_package_group_policy=self._registry_policy(group_name, registry_accounts),
        )
        self.model_package_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)

        self.topic = EncryptedTopic(
            self,
            "Notifications",
            master_key=messages_key,
            topic_name=names.notification_topic(name),
            display_name=f"CD4ML {name}",
            email_addresses=project.notification_emails,
            alarm_topic=alarm_topic,
        ).topic

        self.policy = project_policy(project, names, self.topic.topic_arn)
        self.policy_parameter = ssm.StringParameter(
            self,
            "Policy",
            parameter_name=names.policy_parameter(name),
            # A path (/cd4ml/...), stated so that a template's name reference works too.
            simple_name=False,
            description=f"Policy of the ML project {name}, read by the CD4ML loop functions",
            string_value=stack.to_json_string(self.policy),
            tier=ssm.ParameterTier.STANDARD,
        )

        self.dead_letter_queue = DeadLetterQueue(
            self,
            "ScheduleDeadLetters",
            master_key=messages_key,
            purpose=f"scheduled invocations for {name} that could not be delivered",
            alarm_topic=alarm_topic,
        ).queue
        self.schedule_role = ManagedPolicyRole(
            self,
            "ScheduleRole",
            description=f"EventBridge Scheduler: retrain and drift check schedules of {name}",
            grants_policy="Policy",
            grants_policy_description=f"Invoke the loop functions for {name}'s schedules",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com").with_conditions(
                {
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        "aws:SourceArn": stack.format_arn(
                            service="scheduler",
                            resource="schedule-group",
                            resource_name="default",
                        ),
                    }
                }
            ),
        )
        self.dead_letter_queue.grant_send_messages(self.schedule_role)

        self.retrain_schedule: scheduler.Schedule | None = None
        if project.retrain.schedule is not None:
            self.retrain_schedule = scheduler.Schedule(
                self,
                "RetrainSchedule",
                description=f"Scheduled retrain of {name}",
                schedule=scheduler.ScheduleExpression.expression(project.retrain.schedule),
                enabled=project.retrain.enabled,
                key=messages_key,
                target=scheduler_targets.LambdaInvoke(
                    retrain_trigger,
                    role=self.schedule_role,
                    dead_letter_queue=self.dead_letter_queue,
                    retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                    max_event_age=DELIVERY_MAX_EVENT_AGE,
                    input=scheduler.ScheduleTargetInput.from_object(
                        {
                            "source": "cd4ml.scheduler",
                            "detail-type": "Scheduled Retrain",
                            "id": scheduler.ContextAttribute.execution_id,
                            "time": scheduler.ContextAttribute.scheduled_time,
                            "account": stack.account,
                            "detail": {"project": name},
                        }
                    ),
                ),
            )

        drift = project.drift
        self.drift_monitor = DriftMonitor(
            self,
            "DriftMonitor",
            project=name,
            endpoint_name=drift.endpoint_name or names.default_endpoint(name),
            alarm_name=names.drift_alarm(name),
            capture_prefix=capture_prefix,
            drift_check=drift_check,
            schedule_role=self.schedule_role,
            dead_letter_queue=self.dead_letter_queue,
            schedule_key=messages_key,
            alarm_topic=alarm_topic,
            schedule=drift.schedule,
            window_hours=drift.window_hours,
            threshold=drift.threshold,
            datapoints_to_alarm=drift.datapoints_to_alarm,
            evaluation_periods=drift.evaluation_periods,
            period=cdk.Duration.hours(drift.period_hours),
        )
        for function in (retrain_trigger, drift_check):
            self.schedule_role.explain_resource(
                f"{function.function_arn}:*",
                "aws-cdk-lib grants lambda:InvokeFunction on the function and on its "
                "versions and aliases (<function arn>:*); only the loop's own functions.",
            )

    def _registry_policy(self, group_name: str, accounts: Sequence[str]) -> dict[str, Any]:
        stack = cdk.Stack.of(self)
        principals = [
            stack.format_arn(
                service="iam", region="", resource="root", arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
            )
        ]
        principals += [
            stack.format_arn(
                service="iam",
                region="",
                account=account,
                resource="root",
                arn_format=cdk.ArnFormat.NO_RESOURCE_NAME,
            )
            for account in accounts
            if account != stack.account
        ]
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadModels",
                    "Effect": "Allow",
                    "Principal": {"AWS": principals},
                    "Action": list(REGISTRY_READ_ACTIONS),
                    "Resource": [
                        stack.format_arn(
                            service="sagemaker",
                            resource="model-package-group",
                            resource_name=group_name,
                        ),
                        stack.format_arn(
                            service="sagemaker",
                            resource="model-package",
                            resource_name=f"{group_name}/*",
                        ),
                    ],
                }
            ],
        }
