"""The scheduler payload, the thresholds object and the capture window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from drift_check.capture_window import (
    CaptureWindow,
    S3Location,
    endpoint_key_prefix,
    hour_key_prefix,
)
from drift_check.request import DriftCheckRequest, InvalidDriftCheckRequest
from drift_check.thresholds import InvalidThresholds, Thresholds

PAYLOAD = {
    "project": "churn",
    "endpoint_name": "churn-prod",
    "capture_prefix": "s3://capture-bucket/datacapture",
    "scheduled_time": "2024-05-02T06:15:00Z",
    "execution_id": "8f5b9c2e-0d5e-4c8a-9f52-0e6c5b7f1a3d",
}


def test_minimal_payload_gets_the_defaults() -> None:
    request = DriftCheckRequest.from_event(PAYLOAD)
    assert request.capture == S3Location("capture-bucket", "datacapture")
    assert request.window_hours == 24
    assert request.thresholds == Thresholds()
    assert request.scheduled_time == datetime(2024, 5, 2, 6, 15, tzinfo=UTC)
    assert request.window == CaptureWindow(
        datetime(2024, 5, 1, 6, tzinfo=UTC), datetime(2024, 5, 2, 6, tzinfo=UTC)
    )


def test_full_payload() -> None:
    request = DriftCheckRequest.from_event(
        {
            **PAYLOAD,
            "window_hours": 6,
            "baseline_uri": "s3://artifacts/churn/baseline.json",
            "model_package_arn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3",
            "thresholds": {"psi": 0.25, "chi2_p_value": None, "min_rows": 200},
            "variant_names": ["AllTraffic"],
        }
    )
    assert request.thresholds.psi == 0.25
    assert request.thresholds.chi2_p_value is None
    assert request.thresholds.min_rows == 200
    assert request.variant_names == ("AllTraffic",)
    assert request.window.hours()[0] == datetime(2024, 5, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"project": None}, "project is required"),
        ({"project": "churn/../x"}, "project 'churn/../x' is not valid"),
        ({"endpoint_name": "bad_name"}, "endpoint_name 'bad_name' is not valid"),
        ({"capture_prefix": "bucket/prefix"}, "capture_prefix must be s3://bucket/prefix"),
        ({"scheduled_time": "yesterday"}, "not an ISO 8601 time"),
        ({"scheduled_time": "2024-05-02T06:15:00"}, "has no time zone"),
        ({"window_hours": 0}, "window_hours must be an integer from 1 to 336"),
        ({"window_hours": "24"}, "window_hours must be an integer"),
        ({"window_hours": True}, "window_hours must be an integer"),
        ({"baseline_uri": "s3://bucket"}, "baseline_uri must name an object"),
        ({"model_package_arn": "churn/3"}, "not a model package ARN"),
        ({"thresholds": {"psi": -1}}, "thresholds: threshold psi must be positive"),
        ({"thresholds": {"pst": 0.2}}, r"unknown threshold key\(s\) \['pst'\]"),
        ({"variant_names": "AllTraffic"}, "variant_names must be a non-empty list"),
        ({"detail-type": "Scheduled Event"}, r"unknown key\(s\) \['detail-type'\]"),
    ],
)
def test_bad_payloads_are_refused_naming_the_key(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidDriftCheckRequest, match=message):
        DriftCheckRequest.from_event({**PAYLOAD, **change})


def test_payload_must_be_an_object() -> None:
    with pytest.raises(InvalidDriftCheckRequest, match="must be a JSON object, got list"):
        DriftCheckRequest.from_event([PAYLOAD])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ks_p_value": 1.5}, r"p-value in \(0, 1\]"),
        ({"js": 2}, r"must be in \(0, 1\]"),
        ({"psi": "0.2"}, "must be a number or null"),
        ({"psi": float("nan")}, "must be a number or null"),
        ({"min_rows": 0}, "min_rows must be an integer >= 1"),
        ({"min_rows": None}, "min_rows must be an integer >= 1"),
    ],
)
def test_threshold_values_are_checked(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidThresholds, match=message):
        Thresholds.from_mapping(overrides)


def test_thresholds_document_their_defaults() -> None:
    assert Thresholds.from_mapping(None).to_dict() == {
        "psi": 0.2,
        "ks": 0.05,
        "ks_p_value": 0.001,
        "js": 0.1,
        "chi2_p_value": 0.001,
        "missing_rate_delta": 0.05,
        "unseen_category_share": 0.05,
        "type_mismatch_share": 0.05,
        "min_rows": 1000,
    }


def test_window_is_whole_hours_before_the_scheduled_time() -> None:
    window = CaptureWindow.ending_at(datetime(2024, 1, 1, 0, 59, 59, tzinfo=UTC), 3)
    assert window.hours() == [
        datetime(2023, 12, 31, 21, tzinfo=UTC),
        datetime(2023, 12, 31, 22, tzinfo=UTC),
        datetime(2023, 12, 31, 23, tzinfo=UTC),
    ]


def test_window_of_a_time_in_another_zone_is_taken_in_utc() -> None:
    scheduled = datetime.fromisoformat("2024-05-02T08:15:00+02:00")
    assert CaptureWindow.ending_at(scheduled, 1).start == datetime(2024, 5, 2, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("datacapture", "datacapture/churn-prod/"), ("a/b/", "a/b/churn-prod/"), ("", "churn-prod/")],
)
def test_capture_key_prefixes(prefix: str, expected: str) -> None:
    endpoint_prefix = endpoint_key_prefix(prefix, "churn-prod")
    assert endpoint_prefix == expected
    hour = datetime(2024, 5, 2, 7, tzinfo=UTC)
    assert hour_key_prefix(endpoint_prefix, "AllTraffic", hour) == (
        f"{expected}AllTraffic/2024/05/02/07/"
    )
