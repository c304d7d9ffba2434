"""State items a function left behind when it died: a lease or lock whose holder never returned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .loop_constants import PROJECT, STATE_TABLE


def leave_lapsed_item(
    world: Any, kind: str, *, holder_event_id: str, lapsed_seconds_ago: int, **text: str
) -> None:
    """Write the ``kind`` item (``build-lease``, ``deploy-lock``) of a holder that never came back.

    It expired ``lapsed_seconds_ago``; ``text`` adds string attributes.
    """
    expired = datetime.now(UTC) - timedelta(seconds=lapsed_seconds_ago)
    world.dynamodb.put_item(
        TableName=STATE_TABLE,
        Item={
            "pk": {"S": f"project#{PROJECT}"},
            "sk": {"S": kind},
            "holder_event_id": {"S": holder_event_id},
            "expires_at": {"N": str(int(expired.timestamp()))},
            **{name: {"S": value} for name, value in text.items()},
        },
    )
