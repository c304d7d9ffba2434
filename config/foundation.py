"""Settings of the foundation stacks: required tags, keys and the data lake."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from config.base import TAG_VALUE, StrictModel

_ZONE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


class TagsConfig(StrictModel):
    """Required tags, applied to every taggable resource of the environment.

    The ``environment`` tag is the environment's name and is not set here.
    """

    owner: str = Field(description="team or person accountable for the environment")
    cost_center: str = Field(description="cost center that pays for the environment")
    data_classification: Literal["public", "internal", "confidential", "restricted"] = Field(
        description="highest classification of data the environment may hold"
    )

    @field_validator("owner", "cost_center")
    @classmethod
    def _tag_value(cls, value: str) -> str:
        if not TAG_VALUE.match(value):
            raise ValueError(
                "must be 1-256 characters of letters, digits, spaces and _ . : / = + - @"
            )
        return value


class KeysConfig(StrictModel):
    """Customer-managed KMS keys, one per purpose."""

    deletion_window_days: int = Field(
        default=30, ge=7, le=30, description="waiting period before a scheduled key deletion"
    )


class DataLakeConfig(StrictModel):
    """The S3 data lake: one bucket per zone plus model artifacts and access logs."""

    zones: tuple[str, ...] = Field(
        default=("raw", "curated", "features"), description="lake zones, one bucket each"
    )
    noncurrent_version_retention_days: int = Field(
        default=90, ge=1, le=3650, description="days a replaced object version is kept"
    )
    incomplete_upload_days: int = Field(
        default=7, ge=1, le=365, description="days before an incomplete multipart upload is aborted"
    )
    access_log_retention_days: int = Field(
        default=365, ge=1, le=3650, description="days S3 server access logs are kept"
    )

    @field_validator("zones")
    @classmethod
    def _zones(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one zone is required")
        for zone in value:
            if not _ZONE.match(zone):
                raise ValueError(
                    f"zone {zone!r} must be 2-31 lowercase letters, digits or '-', "
                    "starting with a letter"
                )
        duplicates = sorted({zone for zone in value if value.count(zone) > 1})
        if duplicates:
            raise ValueError(f"zone names must be unique; listed twice: {', '.join(duplicates)}")
        return value
