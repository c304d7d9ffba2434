"""The validation packs every synth runs: cdk-nag's five and the platform's own."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import aws_cdk as cdk
import cdk_nag

from cd4ml_constructs.compliance.platform_checks import PlatformChecks


def compliance_packs(*, allowed_accounts: Iterable[str] = ()) -> list[cdk.IPolicyValidationPlugin]:
    """A fresh instance of each pack, in report order.

    :param allowed_accounts: accounts the platform's own pack (``CD4ML``) lets a
        model package group policy name besides the stack's own account.
    """
    return [
        cdk_nag.AwsSolutionsChecks(),
        cdk_nag.HIPAASecurityChecks(),
        cdk_nag.NIST80053R5Checks(),
        cdk_nag.PCIDSS321Checks(),
        cdk_nag.ServerlessChecks(),
        PlatformChecks(allowed_accounts=allowed_accounts),
    ]


def add_compliance_packs(app: cdk.App, *, allowed_accounts: Iterable[str] = ()) -> None:
    """Register every pack at App scope: any unacknowledged finding fails synth."""
    cdk.Validations.of(app).add_plugins(*compliance_packs(allowed_accounts=allowed_accounts))


def validation_findings(report_path: Path) -> list[tuple[str, str, str]]:
    """``(plugin, rule, construct path)`` for every violation in a validation report."""
    if not report_path.is_file():
        return []
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return [
        (plugin["pluginName"], violation["ruleName"], construct["constructPath"])
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    ]


def validation_summary(report_path: Path) -> str:
    """A short, readable list of unacknowledged findings that failed synth."""
    findings = validation_findings(report_path)
    lines = [f"synth failed: {len(findings)} unacknowledged compliance finding(s)"]
    lines += [f"  {plugin}: {rule} at {path}" for plugin, rule, path in findings]
    lines.append(f"full report: {report_path}")
    return "\n".join(lines)
