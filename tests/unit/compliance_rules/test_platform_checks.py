"""The CD4ML pack through a real synth: a finding fails synth, an acknowledgement suppresses it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cd4ml_constructs.compliance import compliance_packs
from cd4ml_constructs.compliance.platform_checks import PACK_NAME, PlatformChecks
from cd4ml_constructs.compliance.rules import RULES

RULE_ID = f"{PACK_NAME}::RolePermissionsBoundary"
REASON = "Test role that stands in for one an auditor accepted without a permissions boundary."


@dataclass(frozen=True)
class Synth:
    """One app synthesized with the CD4ML pack only: did synth fail, and its report."""

    failed: bool
    error: str
    report: dict[str, Any]


def synth_roles(outdir: Path, *, acknowledged: bool, unacknowledged: bool) -> Synth:
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from cd4ml_constructs.compliance import acknowledge

    app = cdk.App(
        outdir=str(outdir),
        context={"aws:cdk:enable-path-metadata": True},
        post_cli_context={"@aws-cdk/core:failSynthOnValidationErrors": True},
    )
    cdk.Validations.of(app).add_plugins(PlatformChecks())
    stack = cdk.Stack(app, "Roles")
    principal = iam.ServicePrincipal("lambda.amazonaws.com")
    if acknowledged:
        role = iam.Role(stack, "Acknowledged", assumed_by=principal)
        acknowledge(role, REASON, RULE_ID)
    if unacknowledged:
        iam.Role(stack, "Unacknowledged", assumed_by=principal)
    try:
        app.synth()
    except RuntimeError as error:
        return Synth(True, str(error), _report(outdir))
    return Synth(False, "", _report(outdir))


def _report(outdir: Path) -> dict[str, Any]:
    path = outdir / "validation-report.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def constructs(report: dict[str, Any], key: str) -> set[tuple[str, str]]:
    return {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report.get("pluginReports", [])
        if plugin["pluginName"] == PACK_NAME
        for violation in plugin.get(key, [])
        for construct in violation["violatingConstructs"]
    }


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth_roles(tmp_path_factory.mktemp("mixed"), acknowledged=True, unacknowledged=True)


@pytest.fixture(scope="module")
def only_acknowledged(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth_roles(tmp_path_factory.mktemp("acked"), acknowledged=True, unacknowledged=False)


def test_an_unacknowledged_finding_fails_synth(mixed: Synth) -> None:
    assert mixed.failed and "ValidationFailed" in mixed.error
    assert constructs(mixed.report, "violations") == {
        ("RolePermissionsBoundary", "Roles/Unacknowledged/Resource")
    }


def test_an_acknowledgement_suppresses_the_finding_on_its_construct(
    mixed: Synth, only_acknowledged: Synth
) -> None:
    expected = {("RolePermissionsBoundary", "Roles/Acknowledged/Resource")}
    assert constructs(mixed.report, "suppressedViolations") == expected
    assert not only_acknowledged.failed, only_acknowledged.error
    assert constructs(only_acknowledged.report, "violations") == set()
    assert constructs(only_acknowledged.report, "suppressedViolations") == expected


def test_the_pack_names_itself_and_its_rules() -> None:
    checks = PlatformChecks(allowed_accounts=["444455556666"])
    assert checks.name == "CD4ML"
    assert checks.version == "1.0.0"
    assert checks.rule_ids == [rule.name for rule in RULES]
    assert len(set(checks.rule_ids)) == len(RULES) >= 5


def test_every_synth_runs_the_pack() -> None:
    names = [pack.name for pack in compliance_packs(allowed_accounts=["444455556666"])]
    assert names[-1] == PACK_NAME
