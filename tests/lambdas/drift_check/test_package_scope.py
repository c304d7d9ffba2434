"""The drift check reads only its own project's model packages, in its account and region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from drift_check import handler as handler_module
from drift_check.package_scope import ForeignModelPackage
from drift_check.scheduled_check import ConfigurationError

from ..metric_lines import metrics_of
from .drift_world import (
    EVENT,
    PACKAGE_GROUP,
    REPORT_BUCKET,
    metric_names,
    put_capture,
    read_report,
    register_package,
    window_hours,
)

ACCOUNT = "123456789012"
FOREIGN = ("RefusedDriftChecks", {"service": "drift-check", "reason": "ForeignModelPackage"})
UNCONFIGURED = ("RefusedDriftChecks", {"service": "drift-check", "reason": "ConfigurationError"})
NO_BASELINE_URI = {key: value for key, value in EVENT.items() if key != "baseline_uri"}


@dataclass
class Context:
    invoked_function_arn: str = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:drift-check"


def record_calls(calls: list[str]) -> None:
    clients = handler_module.aws_clients()
    for client in (clients.s3, clients.cloudwatch, clients.sagemaker):
        client.meta.events.register("before-call", lambda model, **_: calls.append(model.name))


@pytest.mark.parametrize(
    ("package_arn", "problem"),
    [
        (f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package/{PACKAGE_GROUP}/3", "region"),
        (f"arn:aws:sagemaker:eu-west-1:210987654321:model-package/{PACKAGE_GROUP}/3", "account"),
        (f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/{PACKAGE_GROUP}", "not a version"),
    ],
    ids=["another-region", "another-account", "unversioned"],
)
def test_a_model_package_of_another_account_or_region_is_refused_before_any_call(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str], package_arn: str, problem: str
) -> None:
    put_capture(aws["s3"], window_hours()[0], rows=1200, shift=2.0)
    calls: list[str] = []
    record_calls(calls)

    with pytest.raises(ForeignModelPackage, match=problem):
        handler_module.handler({**NO_BASELINE_URI, "model_package_arn": package_arn}, Context())

    assert calls == []
    assert metric_names(aws["cloudwatch"]) == set()
    assert metrics_of(capsys.readouterr().out) == [FOREIGN]


@pytest.mark.parametrize(
    ("group", "problem"),
    [
        ("churn", "outside the environment's groups cd4ml-sandbox-<project>"),
        ("cd4ml-prod-churn", "outside the environment's groups"),
        ("cd4ml-sandbox-fraud", "not the group cd4ml-sandbox-churn of project churn"),
    ],
    ids=["no-prefix", "another-environment", "another-project"],
)
def test_a_model_package_outside_the_projects_group_is_refused_before_any_call(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str], group: str, problem: str
) -> None:
    # The package exists and names a readable baseline: only the group check stops the run.
    package_arn = register_package(aws["sagemaker"], group)
    put_capture(aws["s3"], window_hours()[0], rows=1200, shift=2.0)
    calls: list[str] = []
    record_calls(calls)

    with pytest.raises(ForeignModelPackage, match=problem):
        handler_module.handler({**NO_BASELINE_URI, "model_package_arn": package_arn}, Context())

    assert calls == []
    assert metric_names(aws["cloudwatch"]) == set()
    assert "Contents" not in aws["s3"].list_objects_v2(Bucket=REPORT_BUCKET)
    assert metrics_of(capsys.readouterr().out) == [FOREIGN]


def test_a_model_package_of_the_projects_group_is_read(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    package_arn = register_package(aws["sagemaker"], PACKAGE_GROUP)
    put_capture(aws["s3"], window_hours()[0], rows=1200, seed=4)

    summary = handler_module.handler(
        {**NO_BASELINE_URI, "model_package_arn": package_arn}, Context()
    )

    assert summary["status"] == "checked"
    assert read_report(aws["s3"])["baseline"]["origin"] == "model_package"
    assert all(name != "RefusedDriftChecks" for name, _ in metrics_of(capsys.readouterr().out))


@pytest.mark.parametrize("prefix", [None, "", "CD4ML-Sandbox", "cd4ml-sandbox-"])
def test_a_missing_or_malformed_resource_prefix_refuses_every_check(
    aws: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prefix: str | None,
) -> None:
    if prefix is None:
        monkeypatch.delenv("RESOURCE_PREFIX")
    else:
        monkeypatch.setenv("RESOURCE_PREFIX", prefix)
    calls: list[str] = []
    record_calls(calls)

    with pytest.raises(ConfigurationError, match="RESOURCE_PREFIX"):
        handler_module.handler(EVENT, Context())

    assert calls == []
    assert metrics_of(capsys.readouterr().out) == [UNCONFIGURED]
