"""The metrics a handler emitted, read from its embedded-metric-format log lines."""

from __future__ import annotations

import json


def metrics_of(output: str) -> list[tuple[str, dict[str, str]]]:
    """The metrics in the embedded-metric-format lines of ``output``, with their dimensions."""
    found: list[tuple[str, dict[str, str]]] = []
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "_aws" not in record:
            continue
        for directive in record["_aws"]["CloudWatchMetrics"]:
            dimensions = {name: record[name] for group in directive["Dimensions"] for name in group}
            found.extend((metric["Name"], dimensions) for metric in directive["Metrics"])
    return found
