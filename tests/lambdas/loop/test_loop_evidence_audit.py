"""The shared loop modules on their own: evaluation reports, the judgement, approval text, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loop_common.audit import AuditRecord, decision_id
from loop_common.evaluation_report import MetricReading, find_metric, split_s3_uri
from loop_common.naming import ResourceNames
from loop_common.policy import parse_policy
from quality_gate.approval_text import approval_description, read_marker
from quality_gate.judgement import Champion, Evidence, judge

from .loop_constants import POLICY_PREFIX, PREFIX
from .loop_events import policy_document
from .loop_world import gate_handler

NAMES = ResourceNames(PREFIX)


def parse(document: dict | str, project: str = "churn"):
    """Parse a policy document as the reader would for ``project``."""
    text = document if isinstance(document, str) else json.dumps(document)
    return parse_policy(text, parameter=f"{POLICY_PREFIX}{project}", project=project, names=NAMES)


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
