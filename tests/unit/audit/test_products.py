"""Service Catalog product stacks (project templates) are covered like stacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import build_bundle
from tools.cloud_assembly import CloudAssembly

PRODUCT = {
    "Parameters": {"SageMakerProjectName": {"Type": "String"}},
    "Resources": {
        "TemplateBucket1A2B3C4D": {
            "Type": "AWS::S3::Bucket",
            "Metadata": {"aws:cdk:path": "sandbox/Catalog/Template/Project/Bucket/Resource"},
        }
    },
}


def test_a_product_template_is_in_every_part(
    sandbox: SynthesizedEnvironment, tmp_path: Path
) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(sandbox.assembly.directory, copy)
    nested = next(p for p in copy.iterdir() if p.name == "assembly-sandbox")
    (nested / "sandboxCatalogTemplate0A1B2C3D.product.template.json").write_text(
        json.dumps(PRODUCT), encoding="utf-8"
    )
    assembly = CloudAssembly.load(copy)
    assert [p.display_name for p in assembly.products] == ["sandbox/Catalog/Template"]
    assert len(assembly.stacks) == len(sandbox.assembly.stacks)  # not a stack of the CLI
    parts = {part.name: part for part in build_bundle(assembly, sandbox.config)}
    stores = parts["encryption"].data["stores"]
    assert (stores[0]["resource"], stores[0]["status"]) == (
        "Catalog/Template/Project/Bucket",
        "unencrypted",
    )
    assert "Catalog/Template/Project/Bucket" in {
        e["resource"] for e in parts["tags"].data["exceptions"]
    }
    kinds = {s["stack"]: s["kind"] for s in parts["README"].data["stacks"]}
    assert kinds["sandboxCatalogTemplate0A1B2C3D"] == "product template"
    assert kinds["sandbox-keys"] == "stack"
