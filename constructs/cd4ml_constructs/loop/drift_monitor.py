"""The drift monitor of one deployed model: a scheduled drift check and the drift alarm."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from cd4ml_constructs.loop.loop_function import DELIVERY_MAX_EVENT_AGE, DELIVERY_RETRY_ATTEMPTS
from constructs import Construct

DRIFT_NAMESPACE = "CD4ML/Drift"
DRIFT_METRIC = "DriftScore"


class DriftMonitor(Construct):
    """Watches one endpoint for data drift and raises the alarm the retrain trigger listens to.

    An EventBridge Scheduler schedule invokes the drift check function with
    ``{"project", "endpoint_name", "capture_prefix", "window_hours",
    "scheduled_time", "execution_id"}`` (the payload documented in
    ``lambdas/drift_check/handler.py``); the function publishes ``DriftScore``
    (namespace ``CD4ML/Drift``, dimensions ``Project`` and ``Endpoint``). The
    alarm ``alarm_name`` breaches when the score's maximum exceeds
    ``threshold`` in ``datapoints_to_alarm`` of ``evaluation_periods`` periods;
    missing data (a quiet endpoint) never breaches. Alarm and OK go to
    ``alarm_topic``; the state change itself reaches the retrain trigger
    through EventBridge.

    :param project: the project.
    :param endpoint_name: the endpoint whose data capture is checked.
    :param alarm_name: the drift alarm's name (a naming contract).
    :param capture_prefix: the endpoint's data capture destination
        (``DataCaptureConfig.DestinationS3Uri``, ``s3://bucket/prefix``); the
        check reads ``<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/``.
    :param drift_check: the drift check function.
    :param schedule_role: the role Scheduler assumes; invoke permission is granted here.
    :param dead_letter_queue: where undeliverable invocations go.
    :param schedule_key: key that encrypts the schedule's payload.
    :param alarm_topic: where alarm and OK notifications go.
    :param schedule: ``rate(...)`` or ``cron(...)`` in UTC (default hourly).
    :param window_hours: hours of capture each check reads (default 24).
    :param threshold: DriftScore above which a period breaches (default 0.2).
    :param datapoints_to_alarm: M of M-of-N (default 2).
    :param evaluation_periods: N of M-of-N (default 3).
    :param period: the alarm period (default 1 hour).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        project: str,
        endpoint_name: str,
        alarm_name: str,
        capture_prefix: str,
        drift_check: lambda_.IFunction,
        schedule_role: iam.IRole,
        dead_letter_queue: sqs.IQueue,
        schedule_key: kms.IKey,
        alarm_topic: sns.ITopic,
        schedule: str = "rate(1 hour)",
        window_hours: int = 24,
        threshold: float = 0.2,
        datapoints_to_alarm: int = 2,
        evaluation_periods: int = 3,
        period: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.metric = cloudwatch.Metric(
            namespace=DRIFT_NAMESPACE,
            metric_name=DRIFT_METRIC,
            dimensions_map={"Project": project, "Endpoint": endpoint_name},
            statistic="Maximum",
            period=period or cdk.Duration.hours(1),
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "Alarm",
            alarm_name=alarm_name,
            alarm_description=(
                f"Data drift of {project} on {endpoint_name}: DriftScore above {threshold} in "
                f"{datapoints_to_alarm} of {evaluation_periods} periods; asks for a retrain"
            ),
            metric=self.metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(alarm_topic)
        self.alarm.add_alarm_action(action)
        self.alarm.add_ok_action(action)

        self.schedule = scheduler.Schedule(
            self,
            "CheckSchedule",
            description=f"Drift check of {project} on {endpoint_name}",
            schedule=scheduler.ScheduleExpression.expression(schedule),
            key=schedule_key,
            target=scheduler_targets.LambdaInvoke(
                drift_check,
                role=schedule_role,
                dead_letter_queue=dead_letter_queue,
                retry_attempts=DELIVERY_RETRY_ATTEMPTS,
                max_event_age=DELIVERY_MAX_EVENT_AGE,
                input=scheduler.ScheduleTargetInput.from_object(
                    {
                        "project": project,
                        "endpoint_name": endpoint_name,
                        "capture_prefix": capture_prefix,
                        "window_hours": window_hours,
                        "scheduled_time": scheduler.ContextAttribute.scheduled_time,
                        "execution_id": scheduler.ContextAttribute.execution_id,
                    }
                ),
            ),
        )
