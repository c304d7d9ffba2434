"""EventBridge event patterns: match events offline, read rules from synthesized templates.

:func:`matches` follows EventBridge's content filtering: every field the
pattern names must be present (except ``{"exists": false}``) and one of its
values must match; arrays in the event match when any element does. Supported
filters: exact values (strings, numbers compared numerically, booleans,
null), ``prefix`` and ``suffix`` (plain or ``equals-ignore-case``),
``equals-ignore-case``, ``wildcard``, ``anything-but`` (values, ``prefix``,
``suffix``, ``wildcard``), ``numeric``, ``exists`` and ``$or``. Anything else
raises ``UnsupportedFilter``, so a rule the matcher cannot judge is never
reported as matching or not matching by mistake.

:func:`rules_of` lists the EventBridge rules of a synthesized template with
their pattern and target ARNs, for tests and for the local loop that routes
events the way the deployed rules would.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_MISSING = object()
_NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class UnsupportedFilter(ValueError):
    """The pattern uses a filter this matcher does not implement."""


def matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """True when ``event`` matches the EventBridge ``pattern``."""
    return _match_object(pattern, event)


def _match_object(pattern: Mapping[str, Any], value: Any) -> bool:
    for key, expected in pattern.items():
        if key == "$or":
            if not any(_match_object(branch, value) for branch in expected):
                return False
            continue
        field = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if field is _MISSING or not isinstance(field, Mapping):
                if not _only_absent_filters(expected):
                    return False
                continue
            if not _match_object(expected, field):
                return False
        elif isinstance(expected, list):
            if not _match_field(expected, field):
                return False
        else:
            raise UnsupportedFilter(f"pattern value for {key!r} must be a list or an object")
    return True


def _only_absent_filters(pattern: Mapping[str, Any]) -> bool:
    """A nested pattern that a missing object satisfies: every leaf is ``exists: false``."""
    for key, expected in pattern.items():
        if key == "$or":
            return any(_only_absent_filters(branch) for branch in expected)
        if isinstance(expected, Mapping):
            if not _only_absent_filters(expected):
                return False
        elif not any(isinstance(f, Mapping) and f.get("exists") is False for f in expected):
            return False
    return True


def _match_field(filters: Sequence[Any], field: Any) -> bool:
    if field is _MISSING:
        return any(isinstance(f, Mapping) and f.get("exists") is False for f in filters)
    values = field if isinstance(field, list) else [field]
    for matcher in filters:
        if isinstance(matcher, Mapping) and "exists" in matcher:
            if matcher["exists"] is True:
                return True
            continue
        if any(_match_value(matcher, value) for value in values):
            return True
    return False


def _match_value(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return _equal(matcher, value)
    if len(matcher) != 1:
        raise UnsupportedFilter(f"a filter has exactly one key: {json.dumps(matcher)}")
    ((kind, argument),) = matcher.items()
    if kind == "prefix":
        return _string_test(argument, value, str.startswith)
    if kind == "suffix":
        return _string_test(argument, value, str.endswith)
    if kind == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == str(argument).casefold()
    if kind == "wildcard":
        return isinstance(value, str) and _wildcard(str(argument)).fullmatch(value) is not None
    if kind == "anything-but":
        return _anything_but(argument, value)
    if kind == "numeric":
        return _numeric(argument, value)
    raise UnsupportedFilter(f"filter {kind!r} is not supported")


def _string_test(argument: Any, value: Any, test: Callable[[str, str], bool]) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(argument, Mapping):
        if set(argument) != {"equals-ignore-case"}:
            raise UnsupportedFilter(f"unsupported string filter {json.dumps(argument)}")
        return test(value.casefold(), str(argument["equals-ignore-case"]).casefold())
    return test(value, str(argument))


def _wildcard(expression: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(expression.replace("[", "[[]")))


def _anything_but(argument: Any, value: Any) -> bool:
    if isinstance(argument, Mapping):
        return not _match_value(argument, value)
    excluded = argument if isinstance(argument, list) else [argument]
    return not any(_equal(item, value) for item in excluded)


def _numeric(argument: Sequence[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if len(argument) % 2:
        raise UnsupportedFilter(f"numeric filter needs operator/value pairs: {argument}")
    for index in range(0, len(argument), 2):
        operator, bound = argument[index], argument[index + 1]
        if operator not in _NUMERIC_OPERATORS:
            raise UnsupportedFilter(f"numeric operator {operator!r} is not supported")
        if not _NUMERIC_OPERATORS[operator](float(value), float(bound)):
            return False
    return True


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return bool(expected == value)


# The EventBridge rule states that deliver events; DISABLED is the only other one.
ENABLED_STATES = frozenset({"ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"})


@dataclass(frozen=True)
class RuleSummary:
    """One ``AWS::Events::Rule`` of a template.

    Attributes:
        logical_id: the rule's logical id.
        pattern: its event pattern, as written in the template (may hold
            intrinsic functions where the pattern names a resource).
        targets: the target ARNs, as written in the template.
        enabled: whether the rule is enabled: state ``ENABLED`` (the default
            when the template names none) or
            ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` (enabled, and also
            matching read-only management events delivered by CloudTrail).
    """

    logical_id: str
    pattern: dict[str, Any]
    targets: tuple[Any, ...]
    enabled: bool


def rules_of(template: Mapping[str, Any]) -> list[RuleSummary]:
    """Every event-pattern rule of a CloudFormation template."""
    found = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Events::Rule":
            continue
        properties = resource.get("Properties", {})
        pattern = properties.get("EventPattern")
        if pattern is None:
            continue
        if isinstance(pattern, str):
            pattern = json.loads(pattern)
        found.append(
            RuleSummary(
                logical_id=logical_id,
                pattern=pattern,
                targets=tuple(target.get("Arn") for target in properties.get("Targets", [])),
                enabled=properties.get("State", "ENABLED") in ENABLED_STATES,
            )
        )
    return found


def substitute(value: Any, replacements: Mapping[str, Any]) -> Any:
    """``value`` with each intrinsic function whose JSON is a key of ``replacements`` replaced.

    Lets a pattern that names a resource of another stack (``Fn::ImportValue``)
    be matched against events carrying that resource's deployed name.
    """
    if isinstance(value, Mapping):
        key = json.dumps(value, sort_keys=True)
        if key in replacements:
            return replacements[key]
        return {k: substitute(v, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(item, replacements) for item in value]
    return value
