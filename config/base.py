"""What every settings model shares: strict frozen models, one-line errors, common checks."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

# Retention values CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Tag values AWS accepts, and a plain email address check.
TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email_address(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("must be an email address")
    return value


# A setting that holds one email address (an alarm or notification subscriber).
EmailAddress = Annotated[str, AfterValidator(_email_address)]


class StrictModel(BaseModel):
    """Forbids unknown keys, is frozen, validates strictly and refuses inf and NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class SettingError(ValueError):
    """A cross-field error that knows which key (relative to its model) is at fault."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(allowed)
        self.key = key
        self.value = value
        self.allowed = allowed


def ipv4_cidr(value: str, *, min_prefix: int, max_prefix: int) -> str:
    """Check a private IPv4 CIDR block whose prefix length is within the bounds."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"must be an IPv4 CIDR block such as 10.40.0.0/16 ({error})") from None
    if not min_prefix <= network.prefixlen <= max_prefix:
        raise ValueError(f"prefix length must be /{min_prefix} to /{max_prefix}")
    if not network.is_private:
        raise ValueError("must be a private (RFC 1918) range")
    return value


def log_retention(value: int) -> int:
    """Check a retention in days that CloudWatch Logs accepts."""
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"must be a CloudWatch Logs retention: one of {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value
