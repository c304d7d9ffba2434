"""EventBridge Scheduler expressions: ``rate(...)`` and ``cron(...)``."""

from __future__ import annotations

import re

_RATE = re.compile(r"^rate\((?P<value>[1-9][0-9]*) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("minutes", re.compile(r"^[0-9,\-*/]+$")),
    ("hours", re.compile(r"^[0-9,\-*/]+$")),
    ("day-of-month", re.compile(r"^([0-9,\-*?/LW]+)$")),
    ("month", re.compile(r"^([0-9A-Za-z,\-*/]+)$")),
    ("day-of-week", re.compile(r"^([0-9A-Za-z,\-*?L#]+)$")),
    ("year", re.compile(r"^[0-9,\-*/]+$")),
)
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def schedule_expression(value: str) -> str:
    """Check an EventBridge Scheduler ``rate(...)`` or ``cron(...)`` expression."""
    allowed = (
        "a recurring schedule: rate(<n> minute|minutes|hour|hours|day|days) or "
        "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"
    )
    rate = _RATE.match(value)
    if rate:
        singular = rate["value"] == "1"
        if singular != (not rate["unit"].endswith("s")):
            raise ValueError(f"{allowed}; use a singular unit for 1 and plural otherwise")
        return value
    cron = _CRON.match(value)
    if not cron:
        raise ValueError(allowed)
    fields = cron["fields"].split()
    if len(fields) != len(_CRON_FIELDS):
        raise ValueError(f"{allowed}; a cron expression has 6 fields, this one {len(fields)}")
    for text, (name, pattern) in zip(fields, _CRON_FIELDS, strict=True):
        if not pattern.match(text):
            raise ValueError(f"{allowed}; the {name} field {text!r} is not valid")
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"{allowed}; exactly one of day-of-month and day-of-week must be '?'")
    return value


def rate_minutes(expression: str) -> int | None:
    """The interval of a ``rate(...)`` expression in minutes; None for cron expressions."""
    rate = _RATE.match(expression)
    if not rate:
        return None
    return int(rate["value"]) * _UNIT_MINUTES[rate["unit"].rstrip("s")]
