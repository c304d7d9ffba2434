"""Which data capture objects a scheduled check reads.

SageMaker writes data capture under the endpoint's ``DestinationS3Uri`` as
``<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl``, one hour folder per
hour of capture (UTC). A check scheduled at time ``T`` with a window of ``H`` hours
reads the ``H`` whole hours before ``T`` truncated to the hour: scheduled at 06:00
or 06:20 with 24 hours, it reads the folders of hours 06:00 of the day before up to
05:00. The window is computed from the scheduled time, never from the clock, so a
retried invocation reads exactly the same objects. Schedule the check some minutes
past the hour: capture files of the last hour are written shortly after it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_MAX_KEYS = 1000


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key (or key prefix)."""

    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Location:
        """Read ``s3://bucket/key``; raises ValueError for anything else."""
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            raise ValueError(f"not an s3:// URI: {uri!r}")
        bucket, _, key = uri[len("s3://") :].partition("/")
        if not bucket:
            raise ValueError(f"S3 URI without a bucket: {uri!r}")
        return cls(bucket, key)

    @property
    def uri(self) -> str:
        """The location as an ``s3://`` URI."""
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class CaptureWindow:
    """Whole hours ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    @classmethod
    def ending_at(cls, scheduled_time: datetime, hours: int) -> CaptureWindow:
        """The ``hours`` whole hours before ``scheduled_time`` truncated to the hour."""
        if scheduled_time.tzinfo is None:
            raise ValueError("scheduled_time must carry a time zone")
        if hours < 1:
            raise ValueError(f"a window has at least one hour, got {hours}")
        end = scheduled_time.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        return cls(end - timedelta(hours=hours), end)

    def hours(self) -> list[datetime]:
        """Start of each hour in the window, oldest first."""
        count = int((self.end - self.start) / timedelta(hours=1))
        return [self.start + timedelta(hours=offset) for offset in range(count)]


def endpoint_key_prefix(capture_prefix: str, endpoint_name: str) -> str:
    """Key prefix of an endpoint's capture under the capture destination's key prefix."""
    base = capture_prefix.strip("/")
    return f"{base}/{endpoint_name}/" if base else f"{endpoint_name}/"


def hour_key_prefix(endpoint_prefix: str, variant: str, hour: datetime) -> str:
    """Key prefix of one variant's capture files of one hour."""
    return f"{endpoint_prefix}{variant}/{hour:%Y/%m/%d/%H}/"


def list_variants(s3: Any, bucket: str, endpoint_prefix: str) -> list[str]:
    """Names of the variants that have capture under ``endpoint_prefix``, sorted."""
    variants: list[str] = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(
        Bucket=bucket,
        Prefix=endpoint_prefix,
        Delimiter="/",
        PaginationConfig={"PageSize": _MAX_KEYS},
    ):
        for common in page.get("CommonPrefixes", []):
            variants.append(common["Prefix"][len(endpoint_prefix) :].rstrip("/"))
    return sorted(variants)


def list_capture_keys(
    s3: Any,
    capture: S3Location,
    endpoint_name: str,
    window: CaptureWindow,
    *,
    variants: tuple[str, ...] | None = None,
) -> list[str]:
    """Keys of the capture objects of an endpoint's window, sorted.

    Args:
        s3: a boto3 S3 client.
        capture: the endpoint's capture destination (bucket and key prefix).
        endpoint_name: the endpoint.
        window: the hours to read.
        variants: variant names to read (default: every variant found).
    """
    endpoint_prefix = endpoint_key_prefix(capture.key, endpoint_name)
    names = variants if variants is not None else list_variants(s3, capture.bucket, endpoint_prefix)
    paginator = s3.get_paginator("list_objects_v2")
    keys: list[str] = []
    for variant in names:
        for hour in window.hours():
            for page in paginator.paginate(
                Bucket=capture.bucket,
                Prefix=hour_key_prefix(endpoint_prefix, variant, hour),
                PaginationConfig={"PageSize": _MAX_KEYS},
            ):
                keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)
