"""DeployConfig: defaults, and one line naming the key, the value and what is allowed."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from config.project_deploy import DeployConfig


def _error(**values: object) -> tuple[tuple[object, ...], str, object]:
    with pytest.raises(ValidationError) as raised:
        DeployConfig.model_validate_json(json.dumps(values))
    detail = raised.value.errors(include_url=False)[0]
    cause = detail.get("ctx", {}).get("error")
    if cause is not None and hasattr(cause, "key"):
        return (*detail["loc"], cause.key), cause.allowed, cause.value
    return tuple(detail["loc"]), detail["msg"], detail.get("input")


def test_defaults_fit_the_sandbox() -> None:
    deploy = DeployConfig()
    assert (deploy.instance_type, deploy.initial_instance_count) == ("ml.m5.large", 1)
    assert (deploy.staging_account, deploy.prod_account) == (None, None)
    assert (deploy.canary_percent, deploy.canary_wait_minutes, deploy.baking_minutes) == (
        10,
        10,
        10,
    )
    assert deploy.production_instance_count == 2
    assert deploy.canary_instances == 1
    assert deploy.deployment_timeout_seconds == 4800
    assert (deploy.latency_alarm_ms, deploy.error_alarm_5xx, deploy.data_capture_percent) == (
        500,
        1,
        100,
    )


@pytest.mark.parametrize("value", ["m5.large", "ml.m5", "ml.M5.large", "ml.m5.large "])
def test_an_instance_type_must_have_the_ml_shape(value: str) -> None:
    loc, message, given = _error(instance_type=value)
    assert loc == ("instance_type",) and given == value
    assert "ml.<family>.<size>" in message


@pytest.mark.parametrize("value", ["12345678901", "1234567890123", "abcdefghijkl"])
def test_accounts_are_twelve_digits(value: str) -> None:
    loc, message, _ = _error(prod_account=value)
    assert loc == ("prod_account",) and "12-digit" in message


def test_an_account_given_as_a_number_is_refused() -> None:
    loc, _, _ = _error(staging_account=123456789012)
    assert loc == ("staging_account",)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("canary_percent", 0),
        ("canary_percent", 51),
        ("canary_wait_minutes", 61),
        ("baking_minutes", -1),
        ("production_instance_count", 1),
    ],
)
def test_guardrail_values_stay_in_sagemakers_ranges(key: str, value: int) -> None:
    loc, _, given = _error(**{key: value})
    assert loc == (key,) and given == value


def test_a_canary_larger_than_half_the_fleet_names_the_key_and_the_rounding() -> None:
    loc, allowed, value = _error(canary_percent=50, production_instance_count=3)
    assert loc == ("canary_percent",) and value == 50
    assert allowed == (
        "a canary of at most half of production_instance_count (3); 50% rounds up to "
        "2 instance(s): lower canary_percent or add instances"
    )
    assert DeployConfig(canary_percent=50, production_instance_count=4).canary_instances == 2


def test_unknown_keys_are_errors() -> None:
    loc, message, _ = _error(canary_percentage=10)
    assert loc == ("canary_percentage",) and "Extra inputs" in message
