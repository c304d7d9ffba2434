"""Settings the loop functions read from their environment, checked once per cold start.

A missing or malformed variable stops the function at import time with a
message that names the variable, which surfaces as an init error on the first
invocation instead of a wrong decision later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

_RESOURCE_PREFIX = re.compile(r"[a-z][a-z0-9-]{0,29}[a-z0-9]")
_PARAMETER_PREFIX = re.compile(r"/[A-Za-z0-9_.\-/]*/")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")

DEFAULT_POLICY_CACHE_SECONDS = 60
# The redrive window: EventBridge retries delivery for up to 24 hours, and the
# idempotency records that recognise a redelivery last as long.
DEFAULT_MAX_EVENT_AGE_SECONDS = 24 * 60 * 60
# Clocks differ a little; an event dated further ahead than this is refused.
MAX_EVENT_AHEAD_SECONDS = 300


class SettingsError(RuntimeError):
    """An environment variable is missing or does not hold an allowed value."""

    def __init__(self, name: str, value: str | None, allowed: str) -> None:
        shown = "missing" if value is None else repr(value)
        super().__init__(f"environment variable {name} is {shown}; expected {allowed}")
        self.name = name
        self.value = value
        self.allowed = allowed


def required_variable(environ: Mapping[str, str], name: str) -> str:
    """Return the non-empty value of ``name``; raise ``SettingsError`` when it is unset."""
    value = environ.get(name)
    if not value:
        raise SettingsError(name, value, "a non-empty value")
    return value


def integer_variable(
    environ: Mapping[str, str], name: str, *, default: int, minimum: int, maximum: int
) -> int:
    """Return ``name`` as an integer within ``[minimum, maximum]``, or ``default`` when unset."""
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    allowed = f"an integer from {minimum} to {maximum}"
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, raw, allowed) from None
    if not minimum <= value <= maximum:
        raise SettingsError(name, raw, allowed)
    return value


@dataclass(frozen=True)
class LoopSettings:
    """What every loop function needs to know about the environment it runs in.

    Attributes:
        resource_prefix: ``RESOURCE_PREFIX``, e.g. ``cd4ml-sandbox``; every
            per-project resource name starts with it.
        policy_parameter_prefix: ``POLICY_PARAMETER_PREFIX``, e.g.
            ``/cd4ml/sandbox/projects/``; a project's policy lives at this
            prefix followed by the project name.
        idempotency_table: ``IDEMPOTENCY_TABLE``, the Powertools idempotency table.
        audit_table: ``AUDIT_TABLE``, where every decision is recorded.
        platform_account_id: ``PLATFORM_ACCOUNT_ID`` when set; otherwise the
            account is read from the invocation context.
        policy_cache_seconds: ``POLICY_CACHE_SECONDS`` (default 60): how long a
            warm container reuses a policy it has read.
        region: ``AWS_REGION`` (set by Lambda) or ``AWS_DEFAULT_REGION``; events
            stamped with another region are refused.
        max_event_age_seconds: ``MAX_EVENT_AGE_SECONDS`` (default 86400, the
            redrive window): older events are refused unless redriven through
            the audited redrive path.
    """

    resource_prefix: str
    policy_parameter_prefix: str
    idempotency_table: str
    audit_table: str
    platform_account_id: str | None = None
    policy_cache_seconds: int = DEFAULT_POLICY_CACHE_SECONDS
    region: str | None = None
    max_event_age_seconds: int = DEFAULT_MAX_EVENT_AGE_SECONDS

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> LoopSettings:
        """Read and check the settings; ``environ`` defaults to ``os.environ``."""
        env = os.environ if environ is None else environ
        prefix = required_variable(env, "RESOURCE_PREFIX")
        if not _RESOURCE_PREFIX.fullmatch(prefix):
            raise SettingsError(
                "RESOURCE_PREFIX",
                prefix,
                "2-31 lowercase letters, digits or '-', starting with a letter",
            )
        parameter_prefix = required_variable(env, "POLICY_PARAMETER_PREFIX")
        if not _PARAMETER_PREFIX.fullmatch(parameter_prefix):
            raise SettingsError(
                "POLICY_PARAMETER_PREFIX",
                parameter_prefix,
                "an SSM parameter path that starts and ends with '/'",
            )
        account = env.get("PLATFORM_ACCOUNT_ID") or None
        if account is not None and not _ACCOUNT_ID.fullmatch(account):
            raise SettingsError("PLATFORM_ACCOUNT_ID", account, "a 12-digit AWS account id")
        return cls(
            resource_prefix=prefix,
            policy_parameter_prefix=parameter_prefix,
            idempotency_table=required_variable(env, "IDEMPOTENCY_TABLE"),
            audit_table=required_variable(env, "AUDIT_TABLE"),
            platform_account_id=account,
            policy_cache_seconds=integer_variable(
                env,
                "POLICY_CACHE_SECONDS",
                default=DEFAULT_POLICY_CACHE_SECONDS,
                minimum=0,
                maximum=3600,
            ),
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
            max_event_age_seconds=integer_variable(
                env,
                "MAX_EVENT_AGE_SECONDS",
                default=DEFAULT_MAX_EVENT_AGE_SECONDS,
                minimum=300,
                maximum=14 * 86400,
            ),
        )
