"""The project template: parameters validated like config, the same construct as a declared project."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import aws_cdk as cdk
import cfnlint.api
import pytest
from aws_cdk import aws_logs as logs

from app import feature_flags
from cd4ml_constructs.compliance import add_compliance_packs
from cd4ml_constructs.loop import LoopNames
from cd4ml_constructs.projects.template_parameters import (
    EMAIL_OR_EMPTY,
    SAGEMAKER_PARAMETERS,
    project_name_max_length,
)
from cd4ml_constructs.projects.template_product import ProjectTemplate, template_role_path
from config.loop import PROJECT_NAME
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import project_stack
from tests.unit.projects.catalog_reading import (
    catalog_stack,
    product_template,
    product_template_path,
    render,
    resources_of_type,
)
from tools.cloud_assembly import CloudAssembly

OWN_PARAMETERS = {
    "SageMakerProjectName",
    "SageMakerProjectId",
    "Team",
    "MetricName",
    "MetricDirection",
    "MinThreshold",
    "ApprovalMode",
    "NotificationEmail",
}


def _own_parameters(template: dict) -> dict[str, dict]:
    return {k: v for k, v in template["Parameters"].items() if not k.startswith("SsmParameter")}


def test_the_template_declares_the_project_settings_as_parameters(
    environment: SynthesizedEnvironment,
) -> None:
    parameters = _own_parameters(product_template(environment))
    assert set(parameters) == OWN_PARAMETERS
    assert parameters["SageMakerProjectName"]["AllowedPattern"] == PROJECT_NAME.pattern
    assert parameters["MetricDirection"]["AllowedValues"] == ["higher", "lower"]
    assert parameters["ApprovalMode"]["AllowedValues"] == ["auto", "manual"]
    assert parameters["ApprovalMode"]["Default"] == "manual"
    assert parameters["MinThreshold"]["Type"] == "Number"
    assert "Default" not in parameters["MinThreshold"]
    assert parameters["NotificationEmail"]["Default"] == ""
    assert set(SAGEMAKER_PARAMETERS) <= set(parameters)


def test_the_template_has_no_conditions_and_reads_the_platform_from_ssm(
    environment: SynthesizedEnvironment,
) -> None:
    template = product_template(environment)
    assert "Conditions" not in template
    platform = {k: v for k, v in template["Parameters"].items() if k.startswith("SsmParameter")}
    assert len(platform) >= 12
    prefix = f"/cd4ml/{environment.config.name}/platform/"
    for parameter in platform.values():
        assert parameter["Type"].startswith("AWS::SSM::Parameter::Value<")
        assert parameter["Default"].startswith(prefix)
    # No scheduled retrain in the template: the trigger's ARN is not read.
    assert f"{prefix}loop/retrain-trigger-arn" not in {p["Default"] for p in platform.values()}


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("churn", True), ("credit-risk-2", True), ("Churn", False), ("2churn", False), ("c", False)],
)
def test_project_names_are_refused_by_the_template_as_by_config(name: str, allowed: bool) -> None:
    assert bool(re.fullmatch(PROJECT_NAME.pattern, name)) is allowed


@pytest.mark.parametrize(
    ("email", "allowed"), [("", True), ("ml@example.com", True), ("ml", False)]
)
def test_the_notification_email_is_optional_but_checked(email: str, allowed: bool) -> None:
    assert bool(re.fullmatch(EMAIL_OR_EMPTY, email)) is allowed


def test_a_long_environment_name_shortens_the_project_names_allowed() -> None:
    assert project_name_max_length(LoopNames("sandbox")) == 31
    # cd4ml-<24 characters>-<name>-prod must fit SageMaker's 63 characters.
    assert project_name_max_length(LoopNames("a" * 24)) == 63 - len("cd4ml-" + "a" * 24 + "--prod")


def test_the_policy_the_loop_reads_comes_from_the_parameters(
    sandbox: SynthesizedEnvironment,
) -> None:
    template = product_template(sandbox)
    (policy,) = [
        r
        for r in resources_of_type(template, "AWS::SSM::Parameter").values()
        if "/projects/" in render(r["Properties"]["Name"])
    ]
    values = {"SageMakerProjectName": "churn-two", "MinThreshold": "0.8", "Team": "risk"}
    values |= {"MetricName": "auc", "MetricDirection": "higher", "ApprovalMode": "auto"}
    document = json.loads(render(policy["Properties"]["Value"], values))
    assert render(policy["Properties"]["Name"], values) == "/cd4ml/sandbox/projects/churn-two"
    assert document["min_threshold"] == 0.8
    assert document["approval_mode"] == "auto"
    assert document["metric"] == {"name": "auc", "direction": "higher"}
    assert document["model_build_pipeline"] == "cd4ml-sandbox-churn-two-build"
    assert document["retrain"]["raw_prefix"] == "churn-two/"


def test_the_template_is_built_by_the_construct_of_declared_projects(
    sandbox: SynthesizedEnvironment,
) -> None:
    declared = sandbox.assembly.stack("sandbox/ProjectChurn").template["Resources"]
    template = product_template(sandbox)["Resources"]
    declared_types = {r["Type"] for r in declared.values()}
    assert {r["Type"] for r in template.values()} == declared_types
    # The declared project has a scheduled retrain on top; the template none.
    schedules = [r for r in template.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert len(schedules) == 1


def test_every_template_role_has_the_boundary_and_the_template_path(
    environment: SynthesizedEnvironment,
) -> None:
    template = product_template(environment)
    path = template_role_path(LoopNames(environment.config.name))
    roles = resources_of_type(template, "AWS::IAM::Role")
    assert len(roles) >= 5
    for role in roles.values():
        assert role["Properties"]["Path"] == path
        boundary = role["Properties"]["PermissionsBoundary"]["Ref"]
        assert "permissionsboundaryarn" in boundary
    for policy in resources_of_type(template, "AWS::IAM::ManagedPolicy").values():
        assert policy["Properties"]["Path"] == path


def test_the_template_is_the_one_published(environment: SynthesizedEnvironment) -> None:
    # The product template's URL names its content hash; the catalog template,
    # byte-identical across synths (test_app_entrypoint), therefore pins it too.
    digest = hashlib.sha256(product_template_path(environment).read_bytes()).hexdigest()
    product = next(
        iter(
            catalog_stack(environment)
            .resources_of_type("AWS::ServiceCatalog::CloudFormationProduct")
            .values()
        )
    )
    (artifact,) = product["Properties"]["ProvisioningArtifactParameters"]
    url = render(artifact["Info"]["LoadTemplateFromURL"])
    assert url.endswith(f"/{digest}.json")
    assert render(artifact["Name"]) == digest


def test_cfn_lint_adds_nothing_to_what_a_declared_project_has(
    environment: SynthesizedEnvironment,
) -> None:
    config = cfnlint.api.ManualArgs(regions=[environment.config.region or "us-east-1"])
    declared = project_stack(environment, environment.config.projects[0].name)
    shared = {str(m.message) for m in cfnlint.api.lint_file(declared.template_path, config=config)}
    found = [
        f"{m.rule.id} {m.message}"
        for m in cfnlint.api.lint_file(product_template_path(environment), config=config)
        if str(m.message) not in shared
    ]
    assert found == []


def test_the_template_body_passes_every_pack(tmp_path: Path) -> None:
    """The packs see stacks only; the same body in a plain stack shows its findings."""
    app = cdk.App(
        outdir=str(tmp_path),
        context=feature_flags(),
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": False},
        builtin_cloud_formation_validation=False,
    )
    add_compliance_packs(app, allowed_accounts=())
    stack = cdk.Stack(app, "TemplateBody")
    ProjectTemplate(
        stack, "Template", names=LoopNames("sandbox"), log_retention=logs.RetentionDays.ONE_YEAR
    )
    app.synth()
    assembly = CloudAssembly.load(tmp_path)
    assert assembly.findings(suppressed=False) == []
    assert assembly.findings(suppressed=True) != []
