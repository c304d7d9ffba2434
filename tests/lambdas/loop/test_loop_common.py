"""The shared loop modules on their own: naming, events, policy, reports, judgement, audit."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loop_common.audit import AuditRecord, decision_id
from loop_common.evaluation_report import MetricReading, find_metric, split_s3_uri
from loop_common.events import (
    DropReason,
    EventRejected,
    accept_envelope,
    own_account_id,
)
from loop_common.naming import ResourceNames, project_from_raw_key, request_token
from loop_common.package_events import read_model_package_change
from loop_common.policy import PolicyError, PolicyReader, parse_policy
from loop_common.settings import LoopSettings, SettingsError
from quality_gate.approval_text import approval_description, read_marker
from quality_gate.judgement import Champion, Evidence, judge

from .loop_world import (
    ACCOUNT,
    AUDIT_TABLE,
    POLICY_PREFIX,
    PREFIX,
    gate_handler,
    load_event,
    policy_document,
    retrain_handler,
)

NAMES = ResourceNames(PREFIX)


def parse(document: dict | str, project: str = "churn"):
    """Parse a policy document as the reader would for ``project``."""
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_policy(text, parameter=f"{POLICY_PREFIX}{project}", project=project, names=NAMES)


# Naming ------------------------------------------------------------------------------------


def test_resource_names_are_derived_and_read_back():
    assert NAMES.model_package_group("churn") == "cd4ml-sandbox-churn"
    assert NAMES.build_pipeline("churn") == "cd4ml-sandbox-churn-build"
    assert NAMES.deploy_pipeline("churn") == "cd4ml-sandbox-churn-deploy"
    assert NAMES.drift_alarm("churn") == "cd4ml-sandbox-churn-drift"
    assert NAMES.project_from_model_package_group("cd4ml-sandbox-churn") == "churn"
    assert NAMES.project_from_build_pipeline("cd4ml-sandbox-churn-build") == "churn"
    assert NAMES.project_from_drift_alarm("cd4ml-sandbox-fraud-ring-drift") == "fraud-ring"


@pytest.mark.parametrize(
    "name",
    ["cd4ml-prod-churn", "cd4ml-sandbox-", "cd4ml-sandbox-Churn", "cd4ml-sandbox-c", "churn"],
)
def test_names_outside_the_environment_belong_to_no_project(name):
    assert NAMES.project_from_model_package_group(name) is None


@pytest.mark.parametrize(
    ("key", "project"),
    [
        ("churn/2024/part.parquet", "churn"),
        ("churn/", "churn"),
        ("churn", None),
        ("Churn/x", None),
        ("../churn/x", None),
        ("churn\n/x", None),
    ],
)
def test_raw_keys_name_their_project_in_the_first_segment(key, project):
    assert project_from_raw_key(key) == project


@given(event_id=st.text(min_size=1, max_size=128))
def test_request_tokens_fit_what_sagemaker_and_codepipeline_accept(event_id):
    token = request_token("retrain", event_id)

    assert token == request_token("retrain", event_id)
    assert token != request_token("deploy", event_id)
    assert 32 <= len(token) <= 128
    assert re.fullmatch(r"[a-zA-Z0-9-]+", token)


def test_request_tokens_pass_botocore_validation_of_both_apis():
    session = botocore.session.get_session()
    sagemaker = session.get_service_model("sagemaker")
    codepipeline = session.get_service_model("codepipeline")
    token = request_token("deploy", "844e2571-85d4-695f-b930-0153b71dcb42")
    sagemaker_shape = sagemaker.shape_for("IdempotencyToken")
    codepipeline_shape = codepipeline.shape_for("ClientRequestToken")

    assert sagemaker_shape.metadata["min"] <= len(token) <= sagemaker_shape.metadata["max"]
    assert len(token) <= codepipeline_shape.metadata["max"]
    assert re.fullmatch(codepipeline_shape.metadata["pattern"].strip("^$"), token)


# Events ------------------------------------------------------------------------------------


def test_every_sample_event_passes_the_envelope_checks():
    for name in (
        "drift_alarm_state_change",
        "raw_object_created",
        "scheduled_retrain",
        "build_pipeline_execution_succeeded",
        "model_package_pending_approval",
        "model_package_approved",
        "model_package_rejected",
    ):
        assert accept_envelope(load_event(name), ACCOUNT).account == ACCOUNT


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ([], DropReason.MALFORMED_EVENT),
        ("event", DropReason.MALFORMED_EVENT),
        ({}, DropReason.MALFORMED_EVENT),
        (load_event("scheduled_retrain", account="12345678901"), DropReason.MALFORMED_EVENT),
        (load_event("scheduled_retrain", account="210987654321"), DropReason.FOREIGN_ACCOUNT),
        (load_event("scheduled_retrain", time="yesterday"), DropReason.MALFORMED_EVENT),
        (load_event("scheduled_retrain", time="2024-05-06T02:00:00"), DropReason.MALFORMED_EVENT),
        (
            load_event("scheduled_retrain", time="0001-01-01T00:00:00+05:00"),
            DropReason.MALFORMED_EVENT,
        ),
        (load_event("scheduled_retrain", id="has spaces"), DropReason.MALFORMED_EVENT),
        (load_event("scheduled_retrain", id=7), DropReason.MALFORMED_EVENT),
        (load_event("scheduled_retrain", detail="{}"), DropReason.MALFORMED_EVENT),
    ],
)
def test_envelopes_that_are_refused(event, reason):
    with pytest.raises(EventRejected) as refused:
        accept_envelope(event, ACCOUNT)
    assert refused.value.reason is reason


def test_the_account_comes_from_the_setting_or_the_function_arn():
    arn = "arn:aws:lambda:eu-west-1:111122223333:function:quality-gate"

    assert own_account_id(None, arn) == "111122223333"
    assert own_account_id("444455556666", arn) == "444455556666"


@pytest.mark.parametrize(
    ("detail_change", "reason"),
    [
        ({"ModelApprovalStatus": "Approvedish"}, DropReason.MALFORMED_DETAIL),
        ({"ModelPackageGroupName": "other-team-models"}, DropReason.UNKNOWN_PROJECT),
        (
            {"ModelPackageArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/other/2"},
            DropReason.MALFORMED_DETAIL,
        ),
        (
            {
                "ModelPackageArn": "arn:aws:sagemaker:us-east-1:210987654321:model-package/cd4ml-sandbox-churn/2"
            },
            DropReason.FOREIGN_RESOURCE,
        ),
        ({"ModelPackageArn": "not-an-arn"}, DropReason.MALFORMED_DETAIL),
        ({"ModelApprovalStatus": None}, DropReason.MALFORMED_DETAIL),
    ],
)
def test_model_package_changes_that_are_refused(detail_change, reason):
    event = load_event("model_package_pending_approval")
    event["detail"].update(detail_change)

    with pytest.raises(EventRejected) as refused:
        read_model_package_change(accept_envelope(event, ACCOUNT), NAMES)
    assert refused.value.reason is reason


def test_a_model_package_change_names_project_and_version():
    change = read_model_package_change(
        accept_envelope(load_event("model_package_approved", time="2024-05-01T11:12:20Z"), ACCOUNT),
        NAMES,
    )

    assert (change.project, change.version, change.approval_status) == ("churn", 2, "Approved")
    assert change.occurred_at == datetime(2024, 5, 1, 11, 12, 20, tzinfo=UTC)


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


# Evaluation reports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "value"),
    [
        (
            {
                "binary_classification_metrics": {
                    "auc": {"value": 0.91, "standard_deviation": "NaN"}
                }
            },
            0.91,
        ),
        ({"regression_metrics": {"mse": {"value": 2}}, "custom": {"auc": {"value": 0.5}}}, 0.5),
        ({"a": {"auc": {"value": 0.7}}, "b": {"auc": {"value": 0.7}}}, 0.7),
    ],
)
def test_a_metric_is_found_under_any_group(report, value):
    assert find_metric(report, "auc") == MetricReading.found(value)


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ([], "not a JSON object"),
        ({"binary_classification_metrics": {"f1": {"value": 0.9}}}, "not in the evaluation report"),
        ({"metrics": {"auc": 0.9}}, "has no numeric value"),
        ({"metrics": {"auc": {"value": True}}}, "has no numeric value"),
        ({"metrics": {"auc": {"value": float("inf")}}}, "is inf"),
        ({"a": {"auc": {"value": 0.7}}, "b": {"auc": {"value": 0.8}}}, "different values"),
    ],
)
def test_a_metric_that_cannot_be_read_says_why(report, problem):
    reading = find_metric(report, "auc")

    assert reading.value is None
    assert problem in (reading.problem or "")


@pytest.mark.parametrize(
    ("uri", "parts"),
    [
        ("s3://bucket/a/b.json", ("bucket", "a/b.json")),
        ("s3://bucket/", None),
        ("https://x/y", None),
    ],
)
def test_s3_uris_are_split_into_bucket_and_key(uri, parts):
    assert split_s3_uri(uri) == parts


# Judgement ---------------------------------------------------------------------------------

scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def champion(value: float | None, version: int = 3) -> Champion:
    """A champion whose metric is ``value``, or unreadable when None."""
    reading = MetricReading.found(value) if value is not None else MetricReading.missing("gone")
    return Champion(arn=f"arn:champion/{version}", version=version, reading=reading)


@settings(max_examples=200, deadline=None)
@given(
    value=scores,
    champion_value=st.none() | scores,
    threshold=scores,
    improvement=st.floats(min_value=0.0, max_value=0.2),
    mode=st.sampled_from(["auto", "manual"]),
    direction=st.sampled_from(["higher", "lower"]),
)
def test_nothing_is_approved_that_fails_a_check(
    value, champion_value, threshold, improvement, mode, direction
):
    policy = parse(
        policy_document(
            min_threshold=threshold,
            min_improvement=improvement,
            approval_mode=mode,
            metric={"name": "auc", "direction": direction},
        )
    )
    evidence = Evidence(
        candidate=MetricReading.found(value),
        champion=None if champion_value is None else champion(champion_value),
    )

    decision = judge(policy, evidence).decision.value

    worse_than_threshold = value < threshold if direction == "higher" else value > threshold
    if worse_than_threshold:
        assert decision == "rejected"
    if mode == "manual":
        assert decision != "approved"
    if decision == "approved" and champion_value is not None:
        gain = value - champion_value if direction == "higher" else champion_value - value
        assert gain >= improvement - 1e-9


def test_a_candidate_without_metric_is_rejected_with_the_problem():
    policy = parse(policy_document())
    evidence = Evidence(
        candidate=MetricReading.missing("the model package has no evaluation report"), champion=None
    )

    judgement = judge(policy, evidence)

    assert (judgement.decision.value, judgement.reason) == (
        "rejected",
        "the model package has no evaluation report",
    )


def test_the_approval_description_carries_a_marker_the_gate_reads_back():
    policy = parse(policy_document())
    evidence = Evidence(candidate=MetricReading.found(0.5), champion=champion(0.9))
    judgement = judge(policy, evidence)

    description = approval_description("evt-1", judgement, policy, evidence)
    marker = read_marker(description)

    assert marker is not None
    assert (marker.event_id, marker.decision, marker.reason) == (
        "evt-1",
        judgement.decision,
        judgement.reason,
    )
    assert description.endswith("approval_mode=auto, champion=v3 auc=0.9")


def test_a_long_reason_is_cut_to_fit_the_approval_description():
    policy = parse(policy_document())
    evidence = Evidence(candidate=MetricReading.missing("x" * 5000), champion=None)

    description = approval_description("evt-1", judge(policy, evidence), policy, evidence)

    assert len(description) <= 1024
    assert read_marker(description) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Approved by alice",
        "[cd4ml-quality-gate event=e decision=maybe] why",
        "[cd4ml-quality-gate] x",
    ],
)
def test_descriptions_written_by_people_carry_no_marker(text):
    assert read_marker(text) is None


# Audit -------------------------------------------------------------------------------------


def test_decision_ids_sort_by_event_time():
    earlier = decision_id(datetime(2024, 5, 1, 9, 59, 59, tzinfo=UTC), "zzz")
    later = decision_id(datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC), "aaa")

    assert earlier < later
    assert later == "2024-05-01T10:00:00Z#aaa"


def test_an_audit_record_is_written_once(world):
    record = AuditRecord(
        project="churn",
        event_id="evt-1",
        occurred_at=datetime(2024, 5, 1, tzinfo=UTC),
        function="quality-gate",
        trigger="model-package",
        decision="approved",
        reason="first",
        inputs={"value": 0.1, "missing": None, "flag": True, "weird": float("nan")},
    )
    later = AuditRecord(**{**record.__dict__, "reason": "second"})

    assert gate_handler.audit.record(record, recorded_at=datetime.now(UTC)) is True
    assert gate_handler.audit.record(later, recorded_at=datetime.now(UTC)) is False

    [stored] = world.audit_records()
    assert stored["reason"] == "first"
    assert stored["inputs"] == {
        "value": Decimal("0.1"),
        "missing": None,
        "flag": True,
        "weird": "nan",
    }
