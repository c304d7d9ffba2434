"""Controls and the exception register, read from the validation report and template metadata.

cdk-nag 3 and the platform's pack report findings only (open or
acknowledged), not the resources a rule found compliant. A rule's scope is
therefore read from the resource types it reported on: resources of those
types without a finding count as compliant, every other resource as not
applicable. A rule that reported nothing anywhere is not named by cdk-nag's
packs; the platform's own rules are listed by name.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tools.audit.pack_lists import platform_rules, registered_packs
from tools.audit.references import EnvironmentView, Resource
from tools.cloud_assembly import ACKNOWLEDGED_RULES, CloudAssembly

# The packs ``add_compliance_packs`` registers and the platform pack's rules, in the
# app's order, read from the app's source (``tools.audit.pack_lists``).
PACKS: tuple[str, ...] = registered_packs()
CD4ML_RULES: tuple[str, ...] = tuple(rule.name for rule in platform_rules())


def controls(view: EnvironmentView, assembly: CloudAssembly) -> dict[str, Any]:
    """The controls part of the bundle (JSON-ready)."""
    by_path = {_full_path(view, r): r for r in view.resources()}
    reports = {p["pluginName"]: p for p in assembly.validation_report.get("pluginReports", [])}
    total = len(by_path)
    packs = []
    for pack in [*PACKS, *sorted(set(reports) - set(PACKS))]:
        findings = _findings(view, reports.get(pack, {}), by_path)
        rules = []
        for rule in sorted({f["rule"] for f in findings}):
            of_rule = [f for f in findings if f["rule"] == rule]
            types = sorted({f["type"] for f in of_rule if f["type"]})
            flagged = {f["resource"] for f in of_rule}
            in_scope = [r for r in by_path.values() if r.type in types]
            rules.append(
                {
                    "rule": rule,
                    "scope_types": types,
                    "compliant": sum(1 for r in in_scope if r.label not in flagged),
                    "acknowledged": [_public(f) for f in of_rule if f["acknowledged"]],
                    "open": [_public(f) for f in of_rule if not f["acknowledged"]],
                    "not_applicable": total - len(in_scope),
                }
            )
        if pack == "CD4ML":
            reported = {r["rule"] for r in rules}
            rules += [
                {
                    "rule": name,
                    "scope_types": [],
                    "compliant": None,
                    "acknowledged": [],
                    "open": [],
                    "not_applicable": None,
                }
                for name in CD4ML_RULES
                if name not in reported
            ]
            described = {rule.name: rule.description for rule in platform_rules()}
            for entry in rules:
                entry["description"] = described.get(entry["rule"], "")
            order = {name: index for index, name in enumerate(CD4ML_RULES)}
            rules.sort(key=lambda r: (order.get(r["rule"], len(order)), r["rule"]))
        packs.append(
            {
                "pack": pack,
                "rules_with_findings": sum(1 for r in rules if r["acknowledged"] or r["open"]),
                "open": sum(len(r["open"]) for r in rules),
                "acknowledged": sum(len(r["acknowledged"]) for r in rules),
                "resources": total,
                "rules": rules,
            }
        )
    return {"packs": packs, "resources": total}


def exception_register(view: EnvironmentView, assembly: CloudAssembly) -> list[dict[str, Any]]:
    """Every acknowledgement of the environment: where, why, which rule, which pack, what it hid."""
    suppressed: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_path = {_full_path(view, r): r for r in view.resources()}
    for plugin in assembly.validation_report.get("pluginReports", []):
        for violation in plugin.get("suppressedViolations") or []:
            key = (str(violation.get("acknowledgedAt", "")), str(violation.get("acknowledgedId")))
            for construct in violation.get("violatingConstructs", []):
                resource = by_path.get(construct.get("constructPath", ""))
                where = resource.label if resource else construct.get("constructPath", "")
                suppressed[key].append(f"{violation['ruleName']} on {where}")
    # A product template's acknowledgements sit in its parent stack's metadata; the
    # resources they cover are the template's.
    products = [(f"{product.display_name}/", product.stack_name) for product in view.products]
    register = []
    for stack in view.stacks:
        for path, entries in stack.metadata.items():
            for entry in entries:
                if entry.get("type") != ACKNOWLEDGED_RULES:
                    continue
                construct_path = path.lstrip("/")
                owner = next(
                    (name for prefix, name in products if construct_path.startswith(prefix)),
                    stack.stack_name,
                )
                for rule_id, reason in sorted(entry["data"].items()):
                    pack, _, rule = rule_id.partition("::")
                    hidden = sorted(set(suppressed.get((construct_path, rule_id), [])))
                    register.append(
                        {
                            "pack": pack,
                            "rule": rule,
                            "where": construct_path.removeprefix(f"{view.environment}/"),
                            "stack": owner,
                            "reason": reason,
                            "suppressed": hidden,
                            "used": bool(hidden),
                            "pack_registered": pack in PACKS,
                        }
                    )
    register.sort(key=lambda e: (e["pack"], e["rule"], e["where"]))
    return register


def _findings(
    view: EnvironmentView, report: dict[str, Any], by_path: dict[str, Resource]
) -> list[dict[str, Any]]:
    found = []
    for key, acknowledged in (("violations", False), ("suppressedViolations", True)):
        for violation in report.get(key) or []:
            name = str(violation["ruleName"])
            rule, _, detail = name.partition("[")
            for construct in violation.get("violatingConstructs", []):
                path = str(construct.get("constructPath", ""))
                if not path.startswith(f"{view.environment}/"):
                    continue
                resource = by_path.get(path)
                found.append(
                    {
                        "rule": rule,
                        "finding": detail.removesuffix("]"),
                        "resource": resource.label if resource else path,
                        "type": resource.type if resource else "",
                        "acknowledged": acknowledged,
                        "acknowledged_at": str(violation.get("acknowledgedAt", "")).removeprefix(
                            f"{view.environment}/"
                        ),
                        "reason": str(violation.get("reason", "")),
                    }
                )
    found.sort(key=lambda f: (f["rule"], f["resource"], f["finding"]))
    return found


def _public(finding: dict[str, Any]) -> dict[str, Any]:
    keys = ("resource", "finding", "acknowledged_at", "reason")
    return {key: finding[key] for key in keys if finding[key] or key == "resource"}


def _full_path(view: EnvironmentView, resource: Resource) -> str:
    return resource.path or f"{view.environment}/{resource.label}"
