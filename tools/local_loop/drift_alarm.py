"""A project's drift alarm, as synthesized, evaluated locally against the metrics in moto.

moto stores the alarm and the drift check's datapoints but evaluates nothing
and emits no state change. :class:`DriftAlarm` reads the alarm's definition
from the synthesized template (metric, statistic, period, threshold,
comparison, M of N, missing data), creates it in moto, and evaluates it as
CloudWatch does over the N periods that end at a given time: ALARM when at
least M of them breach, missing data counting as not breaching.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.cloud_assembly import CloudAssembly

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


@dataclass(frozen=True)
class AlarmEvaluation:
    """One evaluation: each period's value (None when missing) and the resulting state."""

    values: tuple[float | None, ...]
    breaching: int
    state: str


@dataclass(frozen=True)
class DriftAlarm:
    """The synthesized CloudWatch alarm named ``name``."""

    name: str
    properties: dict[str, Any]

    @classmethod
    def from_assembly(cls, assembly: CloudAssembly, alarm_name: str) -> DriftAlarm:
        """Find the alarm ``alarm_name`` among the templates' resources."""
        for stack in assembly.stacks:
            for resource in stack.resources_of_type("AWS::CloudWatch::Alarm").values():
                if resource["Properties"].get("AlarmName") == alarm_name:
                    return cls(alarm_name, resource["Properties"])
        raise LookupError(f"no alarm {alarm_name} in the assembly")

    def create(self, cloudwatch: Any) -> None:
        """Create the alarm in moto, without its SNS actions (the topics are another stack's)."""
        p = self.properties
        cloudwatch.put_metric_alarm(
            AlarmName=self.name,
            Namespace=p["Namespace"],
            MetricName=p["MetricName"],
            Dimensions=p["Dimensions"],
            Statistic=p["Statistic"],
            Period=p["Period"],
            EvaluationPeriods=p["EvaluationPeriods"],
            DatapointsToAlarm=p["DatapointsToAlarm"],
            Threshold=p["Threshold"],
            ComparisonOperator=p["ComparisonOperator"],
            TreatMissingData=p.get("TreatMissingData", "missing"),
        )

    def evaluate(self, cloudwatch: Any, *, until: datetime) -> AlarmEvaluation:
        """Evaluate the N periods up to the one holding ``until``; set the alarm's state in moto."""
        p = self.properties
        period = timedelta(seconds=int(p["Period"]))
        # The end of the period that holds `until`: periods are aligned to the epoch.
        periods_so_far = until.timestamp() // period.total_seconds()
        end = datetime.fromtimestamp((periods_so_far + 1) * period.total_seconds(), tz=UTC)
        values: list[float | None] = []
        for index in range(int(p["EvaluationPeriods"]), 0, -1):
            start = end - index * period
            points = cloudwatch.get_metric_statistics(
                Namespace=p["Namespace"],
                MetricName=p["MetricName"],
                Dimensions=p["Dimensions"],
                StartTime=start,
                EndTime=start + period,
                Period=int(p["Period"]),
                Statistics=[p["Statistic"]],
            )["Datapoints"]
            values.append(max(point[p["Statistic"]] for point in points) if points else None)
        compare = _OPERATORS[p["ComparisonOperator"]]
        breaching = sum(1 for v in values if v is not None and compare(v, float(p["Threshold"])))
        state = "ALARM" if breaching >= int(p["DatapointsToAlarm"]) else "OK"
        cloudwatch.set_alarm_state(
            AlarmName=self.name,
            StateValue=state,
            StateReason=f"{breaching} of {len(values)} periods breach {p['Threshold']}",
        )
        return AlarmEvaluation(tuple(values), breaching, state)
