"""Markdown pages of the resource parts: encryption, network, tags, idle cost, diagram."""

from __future__ import annotations

from typing import Any

from tools.audit.markdown import code, money, table


def encryption_page(environment: str, data: dict[str, Any]) -> str:
    summary = ", ".join(f"{count} {status}" for status, count in data["summary"].items())
    lines = [
        f"# Encryption: {environment}",
        "",
        f"Data stores: {summary}. Unencrypted stores come first.",
        "",
        *table(
            ["status", "store", "part", "key", "alias", "rotation", "note"],
            (
                [
                    s["status"],
                    s["resource"],
                    s["part"],
                    s["key"],
                    code(s["alias"]),
                    s["rotation"],
                    s["note"],
                ]
                for s in data["stores"]
            ),
        ),
        "## Keys",
        "",
        *table(
            ["key", "aliases", "rotation", "deletion window (days)", "protects", "direct use"],
            (
                [
                    k["key"],
                    [code(a) for a in k["aliases"]],
                    k["rotation"],
                    k["deletion_window_days"],
                    k["protects"],
                    [
                        f"{u['principal']} ({code(u['name'])})" if u["name"] else u["principal"]
                        for u in k["direct_use"]
                    ]
                    or "none",
                ]
                for k in data["keys"]
            ),
        ),
    ]
    return "\n".join(lines)


def network_page(environment: str, data: dict[str, Any]) -> str:
    lines = [
        f"# Network: {environment}",
        "",
        f"**Verdict:** {data['verdict']}",
        "",
        "## VPCs",
        "",
        *table(
            ["VPC", "source", "CIDR", "subnets", "route tables"],
            (
                [v["vpc"], v["source"], v["cidr"], v["subnets"], v["route_tables"]]
                for v in data["vpcs"]
            ),
        ),
        "## Subnets",
        "",
        *table(
            ["subnet", "CIDR", "AZ", "kind", "public IP on launch"],
            (
                [
                    s["subnet"],
                    s["cidr"],
                    s["availability_zone"],
                    s["kind"],
                    s["public_ip_on_launch"],
                ]
                for s in data["subnets"]
            ),
        ),
        "## Route tables",
        "",
        *table(
            ["route table", "subnets", "routes"],
            (
                [
                    t["route_table"],
                    t["subnets"],
                    [f"{r['destination']} via {r['via']} {r['target']}" for r in t["routes"]]
                    or "local only",
                ]
                for t in data["route_tables"]
            ),
        ),
        "Routes to the internet: "
        + (
            ", ".join(
                f"{r['route_table']}: {r['destination']} via {r['via']}"
                for r in data["internet_routes"]
            )
            or "none"
        ),
        "",
        "## Endpoints",
        "",
        *table(
            ["endpoint", "service", "type", "subnets (AZs)", "private DNS", "security groups"],
            (
                [
                    e["endpoint"],
                    code(e["service"]),
                    e["type"],
                    e["subnets"],
                    e["private_dns"],
                    e["security_groups"],
                ]
                for e in data["endpoints"]
            ),
        ),
        "## Security groups",
        "",
    ]
    for group in data["security_groups"]:
        lines += [f"### {group['security_group']}", "", group["description"], ""]
        lines += table(
            ["direction", "protocol", "ports", "peer", "description"],
            (
                [r["direction"], r["protocol"], r["ports"], code(r["peer"]), r["description"]]
                for r in group["rules"]
            ),
        )
    lines += [
        "## Studio domains",
        "",
        *table(
            ["domain", "network mode", "VPC", "subnets", "security groups"],
            (
                [d["domain"], d["network_mode"], d["vpc"], d["subnets"], d["security_groups"]]
                for d in data["domains"]
            ),
        ),
        "## Functions in the VPC",
        "",
        *table(
            ["function", "subnets", "security groups"],
            ([f["function"], f["subnets"], f["security_groups"]] for f in data["functions_in_vpc"]),
        ),
    ]
    return "\n".join(lines)


def tags_page(environment: str, data: dict[str, Any]) -> str:
    required = ", ".join(f"`{k}={v}`" for k, v in data["required"].items())
    lines = [
        f"# Tags: {environment}",
        "",
        f"Required on every taggable resource: {required}. "
        f"{data['fully_tagged']} of {data['taggable_resources']} taggable resources carry "
        f"them all; exceptions: {len(data['exceptions'])} (goal: none). Which types are "
        f"taggable: {data['schema_source']}.",
        "",
        "## Exceptions",
        "",
        *table(
            ["resource", "type", "missing", "wrong value"],
            ([e["resource"], e["type"], e["missing"], e["wrong"]] for e in data["exceptions"]),
        ),
        "## Not taggable in CloudFormation",
        "",
        *table(["type", "count"], ([t, n] for t, n in data["not_taggable"].items())),
    ]
    return "\n".join(lines)


def cost_page(environment: str, data: dict[str, Any]) -> str:
    region = data["region"] + (
        " (assumed: the stacks are env-agnostic)" if data["region_assumed"] else ""
    )
    lines = [
        f"# Idle cost: {environment}",
        "",
        f"About **{data['currency']} {money(data['monthly_total_cents'])} per month** with no "
        f"workload, in {region}, at {data['hours_per_month']:g} hours a month. Prices from "
        f"`tools/audit/prices.json` (as of {data['prices_as_of']}): {data['prices_note']}",
        "",
        *table(
            ["item", "quantity", "unit price", "monthly", "source", "resources"],
            (
                [
                    i["description"],
                    f"{i['quantity']:g}",
                    i["unit_price"],
                    money(i["monthly_cents"]),
                    i["source"],
                    i["resources"],
                ]
                for i in data["priced"]
            ),
        ),
        f"Total: {money(data['monthly_total_cents'])} (the sum of the items above).",
        "",
        "## By stack (each project stack is deployed with the environment and counted)",
        "",
        *table(
            ["stack", "monthly"],
            ([stack, money(c)] for stack, c in data["monthly_cents_by_stack"].items()),
        ),
        f"Not counted: {data['not_counted']}.",
        "",
        "## Per project created from a template (not in the total)",
        "",
        "A product template deploys nothing by itself; each project a team creates from it "
        "adds this much idle cost.",
        "",
        *table(
            ["template", "stack", "monthly per project", "items", "unpriced"],
            (
                [
                    t["template"],
                    t["stack"],
                    money(t["monthly_cents_per_project"]),
                    [f"{i['quantity']:g} x {i['item']}" for i in t["priced"]],
                    [u["resource"] for u in t["unpriced"]],
                ]
                for t in data["per_template_project"]
            ),
        ),
        "## Unpriced (an idle charge with no price in the table)",
        "",
        *table(
            ["resource", "price item", "reason"],
            ([u["resource"], code(u["price_item"]), u["reason"]] for u in data["unpriced"]),
        ),
        "## No idle charge (billed only for use: requests, storage, data, running apps)",
        "",
        *table(["type", "count"], ([t, n] for t, n in data["no_idle_charge"].items())),
    ]
    return "\n".join(lines)


def diagram_page(environment: str, data: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"# Diagram: {environment}",
            "",
            "Stacks, their main resources, and the loop's event flow (rules and schedules to "
            "functions, functions to what their roles may start, approve or deploy).",
            "",
            "```mermaid",
            data["mermaid"].rstrip("\n"),
            "```",
            "",
        ]
    )
