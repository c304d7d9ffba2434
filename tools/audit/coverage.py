"""Which stacks each part covers, and how much of the part comes from each.

Every part lists every stack of the environment (platform stacks, each
project stack, each product template) with the number of the part's own
entries that come from it, counted from the part's data: an auditor sees that
a project stack was read even where it adds nothing (no network resource of
its own), and a stack that went missing from a part shows as zero.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from config import EnvironmentConfig
from tools.audit.references import EnvironmentView

PLATFORM_STACK = "stack"
PROJECT_STACK = "project stack"
PRODUCT_TEMPLATE = "product template"

# What each part counts per stack (shown in its "Stacks covered" table).
COUNTED: dict[str, str] = {
    "controls": "resources checked",
    "exceptions": "acknowledgements",
    "iam": "roles",
    "encryption": "data stores",
    "network": "network resources",
    "tags": "taggable resources",
    "idle-cost": "resources with an idle charge",
    "diagram": "resources drawn",
    "loop-map": "loop resources",
}


def stack_kinds(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, str]:
    """Stack name -> its kind, for every stack of the view."""
    projects = {f"{config.name}-project-{p.name}" for p in config.projects}
    products = {stack.stack_name for stack in view.products}
    return {
        s.stack_name: PRODUCT_TEMPLATE
        if s.stack_name in products
        else PROJECT_STACK
        if s.stack_name in projects
        else PLATFORM_STACK
        for s in view.stacks
    }


def coverage(
    view: EnvironmentView, config: EnvironmentConfig, part: str, data: Any
) -> list[dict[str, Any]]:
    """``{stack, kind, items}`` for every stack, ``items`` counted from ``data`` of ``part``."""
    stack_of = {r.label: r.stack.stack_name for r in view.resources()}
    counts: Counter[str] = Counter()
    if part == "controls":
        counts.update(r.stack.stack_name for r in view.resources())
    elif part == "exceptions":
        counts.update(e["stack"] for e in data)
    elif part == "iam":
        counts.update(r["stack"] for r in data["roles"])
    elif part == "encryption":
        counts.update(stack for stack, _ in {(s["stack"], s["resource"]) for s in data["stores"]})
    elif part == "tags":
        counts.update({stack: n["taggable"] for stack, n in data["by_stack"].items()})
    elif part == "diagram":
        counts.update(n["stack"] for n in data["nodes"])
    else:
        counts.update(stack_of[label] for label in set(_labels(part, data)) if label in stack_of)
    kinds = stack_kinds(view, config)
    return [
        {"stack": s.stack_name, "kind": kinds[s.stack_name], "items": counts.get(s.stack_name, 0)}
        for s in view.stacks
    ]


def _labels(part: str, data: Any) -> Iterable[str]:
    if part == "network":
        for key, field in (
            ("vpcs", "vpc"),
            ("subnets", "subnet"),
            ("route_tables", "route_table"),
            ("endpoints", "endpoint"),
            ("security_groups", "security_group"),
            ("gateways", "gateway"),
            ("domains", "domain"),
            ("functions_in_vpc", "function"),
        ):
            yield from (entry[field] for entry in data[key])
    elif part == "idle-cost":
        groups = [data["priced"], *(t["priced"] for t in data["per_template_project"])]
        for item in (i for group in groups for i in group):
            yield from (text.rsplit(" (", 1)[0] for text in item["resources"])
        yield from (u["resource"] for u in data["unpriced"])
        yield from (u["resource"] for t in data["per_template_project"] for u in t["unpriced"])
    elif part == "loop-map":
        for function in data["functions"]:
            yield function["function"]
            yield from function["feeds_alarms"]
            for trigger in function["triggered_by"]:
                yield trigger["source"]
                yield from trigger["emitted_by"]
