"""Markdown pages of the governance parts: controls, exceptions, IAM, loop map."""

from __future__ import annotations

import json
from typing import Any

from tools.audit.markdown import code, table


def controls_page(environment: str, data: dict[str, Any]) -> str:
    lines = [
        f"# Controls: {environment}",
        "",
        "Per validation pack and rule, from `cdk.out/validation-report.json`. Packs report "
        "findings only: a rule's scope is the resource types it reported on; resources of "
        "those types without a finding are compliant, all others not applicable. Rules that "
        "found nothing anywhere are not named by cdk-nag; the platform's own rules are.",
        "",
        *table(
            ["pack", "rules with findings", "open", "acknowledged", "resources checked"],
            (
                [p["pack"], p["rules_with_findings"], p["open"], p["acknowledged"], p["resources"]]
                for p in data["packs"]
            ),
        ),
    ]
    for pack in data["packs"]:
        lines += [f"## {pack['pack']}", ""]
        lines += table(
            ["rule", "scope", "compliant", "acknowledged", "open", "not applicable"],
            (
                [
                    code(r["rule"]),
                    (", ".join(r["scope_types"]) or "no finding on any resource")
                    + (f"; checks: {r['description']}" if r.get("description") else ""),
                    r["compliant"],
                    len(r["acknowledged"]),
                    len(r["open"]),
                    r["not_applicable"],
                ]
                for r in pack["rules"]
            ),
        )
        acknowledged = [(r["rule"], a) for r in pack["rules"] for a in r["acknowledged"]]
        if acknowledged:
            lines += ["Acknowledged findings:", ""]
            lines += table(
                ["rule", "resource", "finding", "acknowledged at", "reason"],
                (
                    [
                        code(rule),
                        a["resource"],
                        a.get("finding", ""),
                        a.get("acknowledged_at", ""),
                        a.get("reason", ""),
                    ]
                    for rule, a in acknowledged
                ),
            )
    return "\n".join(lines)


def exceptions_page(environment: str, register: list[dict[str, Any]]) -> str:
    unused = [e for e in register if e["pack_registered"] and not e["used"]]
    foreign = [e for e in register if not e["pack_registered"]]
    lines = [
        f"# Exception register: {environment}",
        "",
        f"{len(register)} acknowledgement(s), each on the narrowest construct, with the "
        f"reason an auditor reads; {len(unused)} of the registered packs' suppress no finding. "
        f"{len(foreign)} belong to a pack this app does not run (aws-cdk-lib's own, for its "
        "built-in template validation, which is off: cfn-lint checks every template).",
        "",
        *table(
            ["pack", "rule", "where", "reason", "suppresses"],
            (
                [
                    e["pack"],
                    code(e["rule"]),
                    e["where"],
                    e["reason"],
                    e["suppressed"] or ("nothing" if e["pack_registered"] else "pack not run"),
                ]
                for e in register
            ),
        ),
    ]
    return "\n".join(lines)


def iam_page(environment: str, data: dict[str, Any]) -> str:
    lines = [f"# IAM: {environment}", "", "## Answers", ""]
    for question in data["questions"]:
        lines += [f"**{question['question']}** ({question['means']})", "", question["answer"], ""]
        lines += table(
            ["target", "role", "actions", "verdict"],
            ([d["target"], d["role"], d["actions"], d["verdict"]] for d in question["details"]),
        )
        if question.get("pipelines"):
            lines += ["Through each project's deploy pipeline:", ""]
            lines += table(
                [
                    "project",
                    "from",
                    "pipeline",
                    "runs as",
                    "prod stack",
                    "started by",
                    "approved by",
                    "changed by",
                ],
                (
                    [
                        p["project"],
                        f"{p['kind']} {p['stack']}".strip(),
                        p["pipeline_name"],
                        p["runs_as"],
                        p["prod_stack"],
                        p["started_by"],
                        p["approved_by"],
                        p["changed_by"],
                    ]
                    for p in question["pipelines"]
                ),
            )
        if question.get("note"):
            lines += [f"Note: {question['note']}.", ""]
    lines += [
        "Roles outside the templates (account administrators, SSO permission sets) are not "
        "covered. A condition is not evaluated: a grant that depends on one reads "
        "`conditional`.",
        "",
        "## Roles",
        "",
    ]
    lines += table(
        ["role", "used by", "assumed by", "boundary", "description"],
        (
            [
                r["role"],
                r["kind"]
                + (f" ({', '.join(r['studio_profiles'])})" if r["studio_profiles"] else ""),
                [
                    ", ".join(t["principals"]) + (" if " + t["condition"] if t["condition"] else "")
                    for t in r["trust"]
                ],
                r["permissions_boundary"],
                r["description"],
            ]
            for r in data["roles"]
        ),
    )
    for role in data["roles"]:
        lines += [f"### {role['role']}", ""]
        if role["aws_managed_policies"]:
            lines += [
                "AWS managed policies (content not in the templates): "
                + ", ".join(code(p) for p in role["aws_managed_policies"]),
                "",
            ]
        lines += table(
            ["effect", "resource", "actions", "condition"],
            (
                [p["effect"], code(p["resource"]), p["actions"], code(p["condition"])]
                for p in role["permissions"]
            ),
        )
    return "\n".join(lines)


def loop_page(environment: str, data: dict[str, Any]) -> str:
    lines = [
        f"# Loop map: {environment}",
        "",
        "Which events can start which function, and what each function's role lets it do "
        "for each project: each project stack, and every project created from the project "
        "template (its name is the template's `SageMakerProjectName`).",
        "",
        "## Projects",
        "",
        *table(
            ["project", "from", "events to the loop", "schedules", "metrics to alarms", "loop may"],
            (
                [
                    p["project"],
                    f"{p['kind']} {p['stack']}",
                    p["events_to_the_loop"],
                    p["schedules"],
                    p["metrics_to_alarms"],
                    p["loop_may"],
                ]
                for p in data["projects"]
            ),
        ),
    ]
    for function in data["functions"]:
        lines += [f"## {function['function']}", "", function["description"], ""]
        lines += table(
            ["trigger", "source", "pattern or schedule", "enabled"],
            (
                [
                    t["kind"],
                    t["source"],
                    code(json.dumps(t["pattern"], sort_keys=True))
                    if t["pattern"]
                    else t["schedule"],
                    t["enabled"],
                ]
                for t in function["triggered_by"]
            ),
        )
        lines += table(
            ["may", "action", "on", "for projects"],
            (
                [
                    m["capability"],
                    code(m["action"]),
                    [code(r) for r in m["resources"]],
                    m["projects"],
                ]
                for m in function["may"]
            ),
        )
    trail = data["audit_trail"]
    lines += ["## Audit trail", ""]
    if trail.get("table"):
        lines += [
            f"Each decision is recorded at run time in the DynamoDB table `{trail['table']}` "
            f"(stack `{trail['stack']}`; key `{trail['partition_key']}` + "
            f"`{trail['sort_key']}`; point-in-time recovery: "
            f"{'on' if trail['point_in_time_recovery'] else 'off'}; deletion protection: "
            f"{'on' if trail['deletion_protection'] else 'off'}). Written by: "
            f"{', '.join(trail['writers']) or 'nobody'}.",
            "",
            trail["note"],
            "",
        ]
    else:
        lines += [trail["note"], ""]
    return "\n".join(lines)
