"""Tell a project's team, through its SNS topic, what the loop decided and why."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.client import BaseClient


_SUBJECT_LIMIT = 100
_NOT_SUBJECT_SAFE = re.compile(r"[^ -~]+")


def subject_line(text: str) -> str:
    """``text`` made acceptable as an SNS email subject: printable ASCII, one line, <= 100."""
    cleaned = _NOT_SUBJECT_SAFE.sub(" ", text).strip()
    return cleaned[:_SUBJECT_LIMIT] or "CD4ML notification"


class Notifier:
    """Publishes plain-text notifications.

    Args:
        sns: an SNS client.
    """

    def __init__(self, *, sns: BaseClient) -> None:
        self._sns = sns

    def notify(
        self, topic_arn: str, *, subject: str, message: str, attributes: Mapping[str, str]
    ) -> str:
        """Publish ``message`` to ``topic_arn``; return the SNS message id."""
        response = self._sns.publish(
            TopicArn=topic_arn,
            Subject=subject_line(subject),
            Message=message,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in attributes.items()
                if value
            },
        )
        return str(response["MessageId"])
