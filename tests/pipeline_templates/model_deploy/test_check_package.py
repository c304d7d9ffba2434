"""Only an Approved version of the project's own group deploys (moto)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pipeline_templates.model_deploy.deploy_code import check_package
from tests.pipeline_templates.model_deploy.registry import GROUP, REGION
from tests.pipeline_templates.model_deploy.registry import package as _package


def test_an_approved_version_of_the_project_group_may_deploy(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved")
    assert (
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)
        == arn
    )


@pytest.mark.parametrize("status", ["PendingManualApproval", "Rejected"])
def test_a_version_that_is_not_approved_is_refused(sagemaker: Any, status: str) -> None:
    arn = _package(sagemaker, status)
    with pytest.raises(check_package.PackageRefused, match=f"is {status}, not Approved"):
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)


def test_a_version_of_another_group_is_refused_before_any_call(sagemaker: Any) -> None:
    arn = _package(sagemaker, "Approved", group="cd4ml-sandbox-other")
    with pytest.raises(check_package.PackageRefused, match="deploys only 'cd4ml-sandbox-churn'"):
        check_package.check_package(sagemaker, model_package_arn=arn, model_package_group=GROUP)


@pytest.mark.parametrize(
    "value", ["", "none", f"arn:aws:sagemaker:{REGION}:123456789012:model-package-group/{GROUP}"]
)
def test_a_run_without_a_version_arn_is_refused(sagemaker: Any, value: str) -> None:
    with pytest.raises(check_package.PackageRefused):
        check_package.check_package(sagemaker, model_package_arn=value, model_package_group=GROUP)


def test_the_script_exits_non_zero_with_the_reason_so_the_build_fails(
    sagemaker: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = _package(sagemaker, "PendingManualApproval")
    monkeypatch.setenv("MODEL_PACKAGE_GROUP", GROUP)
    monkeypatch.setenv("MODEL_PACKAGE_ARN", arn)
    assert check_package.main() == 1
    assert (
        f"deploy refused: {arn} is PendingManualApproval, not Approved" in capsys.readouterr().err
    )
    sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    assert check_package.main() == 0
    assert f"deploying {arn} (Approved)" in capsys.readouterr().out
