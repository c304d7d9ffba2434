"""The shared loop modules on their own: project policies and their reader, the function settings."""

from __future__ import annotations

import json
import re

import pytest

from loop_common.naming import ResourceNames
from loop_common.policy import PolicyError, PolicyReader, parse_policy
from loop_common.settings import LoopSettings, SettingsError

from .loop_constants import AUDIT_TABLE, POLICY_PREFIX, PREFIX
from .loop_events import policy_document
from .loop_world import retrain_handler

NAMES = ResourceNames(PREFIX)


def parse(document: dict | str, project: str = "churn"):
    """Parse a policy document as the reader would for ``project``."""
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_policy(text, parameter=f"{POLICY_PREFIX}{project}", project=project, names=NAMES)


# Policy ------------------------------------------------------------------------------------


def test_a_complete_policy_parses():
    policy = parse(policy_document())

    assert policy.metric.name == "auc"
    assert policy.retrain.cooldown_minutes == 360
    assert policy.min_improvement == 0.0


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"surprise": 1}, "surprise"),
        ({"min_threshold": "0.75"}, "min_threshold"),
        ({"min_threshold": True}, "min_threshold"),
        ({"min_improvement": -0.1}, "min_improvement"),
        ({"schema_version": 2}, "schema_version"),
        ({"schema_version": True}, "schema_version"),
        ({"approval_mode": "sometimes"}, "approval_mode"),
        ({"metric": {"name": "auc", "direction": "up"}}, "metric.direction"),
        (
            {"retrain": {"enabled": "yes", "cooldown_minutes": 0, "raw_prefix": "churn/"}},
            "retrain.enabled",
        ),
        (
            {"notification_topic_arn": "arn:aws:sqs:us-east-1:123456789012:q"},
            "notification_topic_arn",
        ),
        ({"project": "fraud"}, "project is 'fraud'"),
        ({"deploy_pipeline": "cd4ml-sandbox-fraud-deploy"}, "deploy_pipeline"),
        ({"model_package_group": "shared-models"}, "model_package_group"),
        (
            {"retrain": {"enabled": True, "cooldown_minutes": 0, "raw_prefix": "fraud/"}},
            "raw_prefix",
        ),
    ],
)
def test_policies_that_are_refused_name_the_key_at_fault(overrides, complaint):
    with pytest.raises(PolicyError, match=re.escape(complaint)):
        parse(policy_document(**overrides))


@pytest.mark.parametrize("text", ["", "{", '{"schema_version": 1, "min_threshold": NaN}', "[]"])
def test_policy_text_that_is_not_a_policy_object_is_refused(text):
    with pytest.raises(PolicyError):
        parse(text)


def test_a_missing_key_is_refused():
    document = policy_document()
    del document["team"]

    with pytest.raises(PolicyError, match="team"):
        parse(document)


def reader_with_clock(clock: list[float]) -> PolicyReader:
    """A policy reader with a 60 s cache whose clock is ``clock[0]``."""
    return PolicyReader(
        ssm=retrain_handler.runtime.ssm,
        parameter_prefix=POLICY_PREFIX,
        names=NAMES,
        cache_seconds=60,
        clock=lambda: clock[0],
    )


def test_policies_are_reused_while_fresh_and_read_again_when_stale(world, recorder):
    clock = [0.0]
    reader = reader_with_clock(clock)

    first = reader.policy_for("churn")
    clock[0] = 59.0
    second = reader.policy_for("churn")
    world.put_policy(policy_document(min_threshold=0.8))
    clock[0] = 61.0
    third = reader.policy_for("churn")

    assert first is second
    assert third is not None
    assert third.min_threshold == 0.8
    assert len(recorder.of("ssm", "GetParameter")) == 2


def test_a_project_without_a_policy_is_unknown_and_asked_for_once(world, recorder):
    reader = reader_with_clock([0.0])

    assert reader.policy_for("fraud") is None
    assert reader.policy_for("fraud") is None
    assert reader.policy_for("Not/A/Project") is None
    assert len(recorder.of("ssm", "GetParameter")) == 1


def test_a_policy_stored_as_secure_string_is_refused(world):
    world.ssm.put_parameter(
        Name=f"{POLICY_PREFIX}fraud",
        Value=json.dumps(policy_document("fraud")),
        Type="SecureString",
    )

    with pytest.raises(PolicyError, match="must be a String parameter"):
        reader_with_clock([0.0]).policy_for("fraud")


# Settings ----------------------------------------------------------------------------------

BASE_ENVIRONMENT = {
    "RESOURCE_PREFIX": PREFIX,
    "POLICY_PARAMETER_PREFIX": POLICY_PREFIX,
    "IDEMPOTENCY_TABLE": "idempotency",
    "AUDIT_TABLE": AUDIT_TABLE,
}


def test_settings_read_the_environment():
    settings_ = LoopSettings.from_environ({**BASE_ENVIRONMENT, "POLICY_CACHE_SECONDS": "5"})

    assert settings_.resource_prefix == PREFIX
    assert settings_.platform_account_id is None
    assert settings_.policy_cache_seconds == 5


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"RESOURCE_PREFIX": ""}, "RESOURCE_PREFIX"),
        ({"RESOURCE_PREFIX": "CD4ML"}, "RESOURCE_PREFIX"),
        ({"POLICY_PARAMETER_PREFIX": "/cd4ml/projects"}, "POLICY_PARAMETER_PREFIX"),
        ({"PLATFORM_ACCOUNT_ID": "1234"}, "PLATFORM_ACCOUNT_ID"),
        ({"POLICY_CACHE_SECONDS": "soon"}, "POLICY_CACHE_SECONDS"),
        ({"AUDIT_TABLE": ""}, "AUDIT_TABLE"),
    ],
)
def test_bad_settings_name_the_variable(change, variable):
    with pytest.raises(SettingsError, match=f"environment variable {variable} "):
        LoopSettings.from_environ({**BASE_ENVIRONMENT, **change})
