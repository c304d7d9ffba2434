"""The shared loop modules on their own: resource names, request tokens, envelopes, package changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import botocore.session
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loop_common.events import (
    DropReason,
    EventRejected,
    accept_envelope,
    own_account_id,
)
from loop_common.naming import ResourceNames, project_from_raw_key, request_token
from loop_common.package_events import read_model_package_change

from .loop_constants import ACCOUNT, PREFIX
from .loop_events import load_event

NAMES = ResourceNames(PREFIX)


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
