"""The alarm on a lease or lock of the loop that nobody released and that lapsed."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns

from constructs import Construct


def lapse_alarm(
    scope: Construct,
    id: str,
    *,
    namespace: str,
    metric_name: str,
    service: str,
    description: str,
    alarm_topic: sns.ITopic,
) -> cloudwatch.Alarm:
    """An alarm, directly in ``scope``, that breaches on one lapse in five minutes.

    A loop function counts ``metric_name`` (dimension ``service`` only) each time it
    takes over a lease or lock whose holder never gave it back: the project went on,
    but a run or an invocation died on the way, and someone should look. Alarm and
    OK go to ``alarm_topic``; no data (no lapse) never breaches.

    :param namespace: the loop functions' metric namespace.
    :param metric_name: the lapse metric, e.g. ``LapsedBuildLeases``.
    :param service: the function's service name, e.g. ``retrain-trigger``.
    :param description: what lapsed and what it means, for the person paged.
    :param alarm_topic: the platform alarm topic.
    """
    alarm = cloudwatch.Alarm(
        scope,
        id,
        alarm_description=description,
        metric=cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={"service": service},
            period=cdk.Duration.minutes(5),
            statistic="Sum",
        ),
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
    )
    action = cloudwatch_actions.SnsAction(alarm_topic)
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)
    return alarm
