"""Read a synthesized cloud assembly (``cdk.out``) without the CDK: stacks, templates, findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACKNOWLEDGED_RULES = "aws:cdk:acknowledged-rules"


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack of the assembly: its path, deployed name, template and metadata."""

    display_name: str
    stack_name: str
    template_path: Path
    template: dict[str, Any]
    metadata: dict[str, list[dict[str, Any]]]
    termination_protection: bool
    region: str | None = None

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id -> resource of the template."""
        return dict(self.template.get("Resources", {}))

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id -> resource, for one CloudFormation resource type."""
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }


@dataclass(frozen=True)
class CloudAssembly:
    """A synthesized app: the stacks of every nested assembly and the validation report."""

    directory: Path
    stacks: tuple[SynthesizedStack, ...]
    products: tuple[SynthesizedStack, ...] = ()

    @classmethod
    def load(cls, directory: Path) -> CloudAssembly:
        """Load every stack of ``directory`` and of the Stage assemblies below it.

        ``products`` holds the templates of Service Catalog product stacks
        (``*.product.template.json``): deployed by Service Catalog, not by
        the CLI, so they are not stacks of the manifest.
        """
        return cls(
            directory=directory, stacks=tuple(_stacks(directory)), products=_products(directory)
        )

    def stack(self, display_name: str) -> SynthesizedStack:
        """The stack whose display name (``<stage>/<id>``) is ``display_name``."""
        for stack in self.stacks:
            if stack.display_name == display_name:
                return stack
        names = ", ".join(stack.display_name for stack in self.stacks)
        raise KeyError(f"no stack {display_name!r}; stacks: {names}")

    @property
    def validation_report(self) -> dict[str, Any]:
        """The validation report (empty when no plugin reported anything)."""
        path = self.directory / "validation-report.json"
        if not path.is_file():
            return {"pluginReports": []}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def findings(self, *, suppressed: bool) -> list[tuple[str, str, str]]:
        """``(plugin, rule, construct path)``: open findings, or acknowledged ones."""
        key = "suppressedViolations" if suppressed else "violations"
        return [
            (plugin["pluginName"], violation["ruleName"], construct["constructPath"])
            for plugin in self.validation_report["pluginReports"]
            for violation in plugin.get(key, [])
            for construct in violation.get("violatingConstructs", [])
        ]

    def acknowledgements(self) -> list[tuple[str, str, str]]:
        """``(construct path, rule id, reason)`` for every acknowledgement in the assembly."""
        found = []
        for stack in self.stacks:
            for path, entries in stack.metadata.items():
                for entry in entries:
                    if entry.get("type") == ACKNOWLEDGED_RULES:
                        for rule_id, reason in entry["data"].items():
                            found.append((path.lstrip("/"), rule_id, reason))
        return found


def _stacks(directory: Path) -> list[SynthesizedStack]:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    stacks: list[SynthesizedStack] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            stacks += _stacks(directory / properties["directoryName"])
        elif artifact["type"] == "aws:cloudformation:stack":
            template_path = directory / properties["templateFile"]
            stacks.append(
                SynthesizedStack(
                    display_name=artifact.get("displayName", artifact_id),
                    stack_name=properties.get("stackName", artifact_id),
                    template_path=template_path,
                    template=json.loads(template_path.read_text(encoding="utf-8")),
                    metadata=_metadata(directory, artifact_id, artifact),
                    termination_protection=bool(properties.get("terminationProtection")),
                    region=_region(artifact.get("environment", "")),
                )
            )
    return stacks


def _products(directory: Path) -> tuple[SynthesizedStack, ...]:
    """Product stack templates of ``directory`` and of its nested assemblies, by file name."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    found: list[SynthesizedStack] = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact["type"] == "cdk:cloud-assembly":
            found += _products(directory / artifact["properties"]["directoryName"])
    for path in sorted(directory.glob("*.product.template.json")):
        template = json.loads(path.read_text(encoding="utf-8"))
        paths = [
            str((resource.get("Metadata") or {}).get("aws:cdk:path", ""))
            for resource in template.get("Resources", {}).values()
        ]
        # The product stack's own construct path: what its resources' paths share.
        shared = paths[0].split("/")[:3] if paths and paths[0] else [path.stem]
        found.append(
            SynthesizedStack(
                display_name="/".join(shared),
                stack_name=path.name.removesuffix(".product.template.json"),
                template_path=path,
                template=template,
                metadata={},
                termination_protection=False,
            )
        )
    return tuple(found)


def _region(environment: str) -> str | None:
    """The region of ``aws://account/region``, or None for an env-agnostic stack."""
    region = environment.rsplit("/", 1)[-1] if environment.startswith("aws://") else ""
    return None if not region or region == "unknown-region" else region


def _metadata(
    directory: Path, artifact_id: str, artifact: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
    side_file = directory / f"{artifact_id}.metadata.json"
    if side_file.is_file():
        for path, entries in json.loads(side_file.read_text(encoding="utf-8")).items():
            metadata.setdefault(path, []).extend(entries)
    return metadata
