"""Data capture lines shaped as SageMaker writes them, for the drift check's tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence


def capture_line(
    data: str,
    *,
    encoding: str = "CSV",
    content_type: str = "text/csv",
    event_id: str = "6ad9a3e0-5bd4-4d8e-9f4a-3d9d4c6f2a10",
) -> str:
    """One capture record (a JSON line) whose endpoint input holds ``data``."""
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": content_type,
                    "mode": "INPUT",
                    "data": data,
                    "encoding": encoding,
                },
                "endpointOutput": {
                    "observedContentType": "text/csv; charset=utf-8",
                    "mode": "OUTPUT",
                    "data": "0.1",
                    "encoding": "CSV",
                },
            },
            "eventMetadata": {"eventId": event_id, "inferenceTime": "2024-05-01T05:12:00Z"},
            "eventVersion": "0",
        }
    )


def csv_capture_line(rows: Sequence[Sequence[object]]) -> str:
    """A CSV-encoded capture record holding ``rows`` (several rows per request)."""
    return capture_line("\n".join(",".join(str(value) for value in row) for row in rows))


def json_capture_line(payload: object) -> str:
    """A JSON-encoded capture record of ``payload``."""
    return capture_line(json.dumps(payload), encoding="JSON", content_type="application/json")


def base64_capture_line(payload: str, content_type: str) -> str:
    """A BASE64-encoded capture record of ``payload`` (text) with ``content_type``."""
    return capture_line(
        base64.b64encode(payload.encode()).decode(), encoding="BASE64", content_type=content_type
    )
