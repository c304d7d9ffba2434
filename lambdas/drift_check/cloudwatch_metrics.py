"""CloudWatch metrics of a drift check.

Namespace: ``DRIFT_METRIC_NAMESPACE`` (default ``CD4ML/Drift``). Every datapoint is
stamped with the scheduled time, so a retried invocation writes the same points
again (alarms should use the ``Maximum`` statistic, which duplicates leave intact).

=====================  ==========================  ==============================
metric                 dimensions                  published
=====================  ==========================  ==============================
``DriftScore``         Project, Endpoint           checked windows only: the share
                                                   of drifted features (the alarm
                                                   watches this one)
``FeaturePSI``         Project, Endpoint, Feature  checked windows only, per
                                                   feature with a PSI
``SchemaViolations``   Project, Endpoint           checked windows only
``RowsChecked``        Project, Endpoint           always (0 for an empty window)
``MalformedRecords``   Project, Endpoint           always
=====================  ==========================  ==============================

An empty or too small window publishes no ``DriftScore``: the alarm treats missing
data as not breaching, so a quiet endpoint never triggers a retrain.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from drift_check.report import DriftReport

DEFAULT_NAMESPACE: Final = "CD4ML/Drift"
DRIFT_SCORE: Final = "DriftScore"
FEATURE_PSI: Final = "FeaturePSI"
SCHEMA_VIOLATIONS: Final = "SchemaViolations"
ROWS_CHECKED: Final = "RowsChecked"
MALFORMED_RECORDS: Final = "MalformedRecords"
_PUT_BATCH: Final = 500


def drift_metric_data(
    report: DriftReport, *, project: str, endpoint_name: str, timestamp: datetime
) -> list[dict[str, Any]]:
    """``MetricData`` items for ``PutMetricData`` (see the module docstring)."""
    dimensions = [
        {"Name": "Project", "Value": project},
        {"Name": "Endpoint", "Value": endpoint_name},
    ]

    def datum(
        name: str, value: float, unit: str, extra: list[dict[str, str]] | None = None
    ) -> dict:
        return {
            "MetricName": name,
            "Dimensions": dimensions + (extra or []),
            "Timestamp": timestamp,
            "Value": float(value),
            "Unit": unit,
        }

    data = [
        datum(ROWS_CHECKED, report.rows, "Count"),
        datum(MALFORMED_RECORDS, report.malformed_records, "Count"),
    ]
    if report.status == "checked" and report.drift_score is not None:
        data.append(datum(DRIFT_SCORE, report.drift_score, "None"))
        data.append(datum(SCHEMA_VIOLATIONS, len(report.schema_violations), "Count"))
        for feature in report.features:
            psi = feature.statistics.get("psi")
            if psi is not None:
                data.append(
                    datum(FEATURE_PSI, psi, "None", [{"Name": "Feature", "Value": feature.name}])
                )
    return data


def publish_metric_data(cloudwatch: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
    """Put the datapoints, in as many requests as the API's limits need."""
    for start in range(0, len(metric_data), _PUT_BATCH):
        cloudwatch.put_metric_data(
            Namespace=namespace, MetricData=metric_data[start : start + _PUT_BATCH]
        )
