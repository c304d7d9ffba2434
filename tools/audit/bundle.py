"""Build an environment's audit bundle and write it, byte for byte the same for the same input.

Each part is a JSON document (sorted keys, no clock, no absolute paths) and a
Markdown page rendered from it; ``README.md`` links them all.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config import EnvironmentConfig
from tools.audit import pages_governance as governance
from tools.audit import pages_resources as resources
from tools.audit.controls import controls, exception_register
from tools.audit.cost import idle_cost
from tools.audit.coverage import COUNTED, coverage, stack_kinds
from tools.audit.diagram import diagram
from tools.audit.encryption import encryption_inventory
from tools.audit.iam_inventory import iam_inventory
from tools.audit.loop_map import loop_map
from tools.audit.markdown import money, table
from tools.audit.network import network_inventory
from tools.audit.references import EnvironmentView
from tools.audit.tags import tag_inventory
from tools.cloud_assembly import CloudAssembly


@dataclass(frozen=True)
class Part:
    """One part of the bundle: file stem, title, data and its page."""

    name: str
    title: str
    data: Any
    page: str
    summary: str
    stacks: tuple[dict[str, Any], ...] = ()


def build_bundle(assembly: CloudAssembly, config: EnvironmentConfig) -> list[Part]:
    """Every part of ``config``'s bundle, from the assembly alone."""
    view = EnvironmentView(
        assembly=assembly, environment=config.name, account=config.account, region=config.region
    )
    if not view.stacks:
        raise ValueError(f"the assembly holds no stack of environment {config.name!r}")
    env = config.name
    checks = controls(view, assembly)
    register = exception_register(view, assembly)
    iam = iam_inventory(view, config)
    stores = encryption_inventory(view)
    network = network_inventory(view, config)
    tags = tag_inventory(view, config)
    cost = idle_cost(view, config)
    loop = loop_map(view, config)
    picture = diagram(view, loop)
    open_findings = sum(p["open"] for p in checks["packs"])
    acknowledged = sum(p["acknowledged"] for p in checks["packs"])
    parts: list[tuple[str, str, Any, Callable[[str, Any], str], str]] = [
        (
            "controls",
            "Controls",
            checks,
            governance.controls_page,
            f"{len(checks['packs'])} packs; {open_findings} open, "
            f"{acknowledged} acknowledged findings",
        ),
        (
            "exceptions",
            "Exception register",
            register,
            governance.exceptions_page,
            f"{len(register)} acknowledgements, "
            f"{sum(1 for e in register if e['pack_registered'] and not e['used'])} unused",
        ),
        (
            "iam",
            "IAM inventory",
            iam,
            governance.iam_page,
            f"{len(iam['roles'])} roles; approve a model: {iam['questions'][0]['answer']}",
        ),
        (
            "encryption",
            "Encryption inventory",
            stores,
            resources.encryption_page,
            f"{len(stores['stores'])} data stores, {stores['summary']['unencrypted']} unencrypted; "
            f"{len(stores['keys'])} keys",
        ),
        ("network", "Network inventory", network, resources.network_page, network["verdict"]),
        (
            "tags",
            "Tags",
            tags,
            resources.tags_page,
            f"{tags['fully_tagged']} of {tags['taggable_resources']} taggable resources fully "
            f"tagged; {len(tags['exceptions'])} exceptions",
        ),
        (
            "idle-cost",
            "Idle cost",
            cost,
            resources.cost_page,
            f"about {cost['currency']} {money(cost['monthly_total_cents'])} per month in "
            f"{cost['region']}; {len(cost['unpriced'])} unpriced",
        ),
        (
            "diagram",
            "Diagram",
            picture,
            resources.diagram_page,
            f"{len(picture['nodes'])} resources, {len(picture['edges'])} loop edges (Mermaid)",
        ),
        (
            "loop-map",
            "Loop map",
            loop,
            governance.loop_page,
            f"{len(loop['functions'])} functions; audit trail: {loop['audit_trail'].get('table')}",
        ),
    ]
    built = []
    for name, title, data, page, summary in parts:
        covered = coverage(view, config, name, data)
        text = page(env, data).rstrip("\n") + "\n\n" + _coverage_section(name, covered)
        built.append(Part(name, title, data, text, summary, tuple(covered)))
    return [*built, _index(view, config, built)]


def write_bundle(directory: Path, parts: list[Part]) -> Path:
    """Write every part into ``directory`` (replacing what was there); returns the index path."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for part in parts:
        if part.name == "README":
            (directory / "README.md").write_text(part.page, encoding="utf-8")
            (directory / "index.json").write_text(to_json(part.data), encoding="utf-8")
            continue
        (directory / f"{part.name}.md").write_text(part.page, encoding="utf-8")
        (directory / f"{part.name}.json").write_text(to_json(part.data), encoding="utf-8")
        if part.name == "diagram":
            (directory / "diagram.mmd").write_text(part.data["mermaid"], encoding="utf-8")
    return directory / "README.md"


def to_json(data: Any) -> str:
    """The bundle's one JSON form: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _coverage_section(part: str, covered: list[dict[str, Any]]) -> str:
    lines = [
        "## Stacks covered",
        "",
        "Every stack of the environment was read for this part, each project stack and "
        "product template included.",
        "",
        *table(
            ["stack", "kind", COUNTED[part]], ([c["stack"], c["kind"], c["items"]] for c in covered)
        ),
    ]
    return "\n".join(lines)


def _index(view: EnvironmentView, config: EnvironmentConfig, parts: list[Part]) -> Part:
    kinds = stack_kinds(view, config)
    stacks = [
        {
            "stack": stack.stack_name,
            "resources": len(stack.template.get("Resources", {})),
            "template": f"{stack.template_path.parent.name}/{stack.template_path.name}",
            "termination_protection": stack.termination_protection,
            "kind": kinds[stack.stack_name],
        }
        for stack in view.stacks
    ]
    where = (
        f"account {config.account}, region {config.region}"
        if config.account
        else "env-agnostic (any account and region)"
    )
    lines = [
        f"# Audit bundle: {config.name}",
        "",
        f"Environment `{config.name}` ({where}), written by `make synth` and `make audit "
        f"ENV={config.name}` from the cloud assembly and `config/{config.name}.yaml` only: no "
        "AWS call, and the same input gives the same bytes. Each part has a page (`.md`) and "
        "its data (`.json`) side by side.",
        "",
        *table(
            ["part", "summary", "data"],
            (
                [f"[{p.title}]({p.name}.md)", p.summary, f"[{p.name}.json]({p.name}.json)"]
                for p in parts
            ),
        ),
        "## Stacks",
        "",
        *table(
            ["stack", "kind", "resources", "template (in cdk.out)", "termination protection"],
            (
                [s["stack"], s["kind"], s["resources"], s["template"], s["termination_protection"]]
                for s in stacks
            ),
        ),
        "A project stack holds one ML project declared in config. A product template is a "
        "Service Catalog product stack (the SageMaker project template): Service Catalog "
        "deploys it once per project a team creates, and every part covers it like a stack "
        "(the idle cost prices it per project, apart from the total).",
        "",
        "Validation report: `cdk.out/validation-report.json`. This index as data: "
        "[index.json](index.json).",
        "",
    ]
    data = {
        "environment": config.name,
        "account": config.account,
        "region": config.region,
        "stacks": stacks,
        "parts": [
            {
                "part": p.name,
                "title": p.title,
                "summary": p.summary,
                "files": [f"{p.name}.md", f"{p.name}.json"],
                "stacks": {c["stack"]: c["items"] for c in p.stacks},
            }
            for p in parts
        ],
    }
    return Part("README", "Index", data, "\n".join(lines), "")
