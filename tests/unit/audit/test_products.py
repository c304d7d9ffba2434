"""Project stacks and the project template (a Service Catalog product stack) are in every part."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.audit.test_bundle import PARTS
from tools.audit.bundle import Part, build_bundle
from tools.cloud_assembly import CloudAssembly

TEMPLATE = "ProjectCatalog/ProjectTemplate"


def test_a_product_template_is_in_every_part(
    sandbox: SynthesizedEnvironment, tmp_path: Path
) -> None:
    # An unencrypted, untagged bucket added to the synthesized project template.
    copy = tmp_path / "cdk.out"
    shutil.copytree(sandbox.assembly.directory, copy)
    (product_file,) = (copy / "assembly-sandbox").glob("*.product.template.json")
    template = json.loads(product_file.read_text(encoding="utf-8"))
    template["Resources"]["ProbeBucket1A2B3C4D"] = {
        "Type": "AWS::S3::Bucket",
        "Metadata": {"aws:cdk:path": f"sandbox/{TEMPLATE}/Template/Probe/Bucket/Resource"},
    }
    product_file.write_text(json.dumps(template), encoding="utf-8")
    assembly = CloudAssembly.load(copy)
    assert [p.display_name for p in assembly.products] == [f"sandbox/{TEMPLATE}"]
    assert len(assembly.stacks) == len(sandbox.assembly.stacks)  # not a stack of the CLI
    parts = {part.name: part for part in build_bundle(assembly, sandbox.config)}
    stores = parts["encryption"].data["stores"]
    probe = f"{TEMPLATE}/Template/Probe/Bucket"
    assert (stores[0]["resource"], stores[0]["status"]) == (probe, "unencrypted")
    assert stores[0]["stack"] == product_file.name.removesuffix(".product.template.json")
    assert probe in {e["resource"] for e in parts["tags"].data["exceptions"]}
    kinds = {s["stack"]: s["kind"] for s in parts["README"].data["stacks"]}
    assert kinds[stores[0]["stack"]] == "product template"
    assert kinds["sandbox-project-churn"] == "project stack"
    assert kinds["sandbox-keys"] == "stack"
    # The template's own roles, alarms and acknowledgements, part by part.
    roles = [r for r in parts["iam"].data["roles"] if r["stack"] == stores[0]["stack"]]
    assert len(roles) == len(assembly.products[0].resources_of_type("AWS::IAM::Role")) > 0
    register = [e for e in parts["exceptions"].data if e["stack"] == stores[0]["stack"]]
    assert register and all(e["where"].startswith(f"{TEMPLATE}/") for e in register)
    (priced,) = parts["idle-cost"].data["per_template_project"]
    assert priced["stack"] == stores[0]["stack"] and priced["monthly_cents_per_project"] > 0


@pytest.mark.parametrize("environment_name", ["sandbox", "example-prod"])
def test_every_part_lists_each_project_stack_and_the_template(
    environment_name: str, request: pytest.FixtureRequest
) -> None:
    fixture = "sandbox" if environment_name == "sandbox" else "example_prod"
    synthesized: SynthesizedEnvironment = request.getfixturevalue(fixture)
    bundle: dict[str, Part] = request.getfixturevalue(
        "sandbox_bundle" if environment_name == "sandbox" else "prod_bundle"
    )
    env = synthesized.config.name
    projects = [
        synthesized.assembly.stack(f"{env}/Project{_pascal(p.name)}")
        for p in synthesized.config.projects
    ]
    assert projects, "the shipped environments declare a project"
    (product,) = synthesized.assembly.products
    index = {p["part"]: p["stacks"] for p in bundle["README"].data["parts"]}
    for name in PARTS:
        part = bundle[name]
        covered = {c["stack"]: c for c in part.stacks}
        every = [s["stack"] for s in bundle["README"].data["stacks"]]
        assert [c["stack"] for c in part.stacks] == every, name
        for stack in [*projects, product]:
            assert stack.stack_name in covered, (name, stack.stack_name)
            assert f"| {stack.stack_name} | {covered[stack.stack_name]['kind']} |" in part.page
            assert index[name][stack.stack_name] == covered[stack.stack_name]["items"]
        for stack in projects:
            assert covered[stack.stack_name]["kind"] == "project stack"
        assert covered[product.stack_name]["kind"] == "product template"
    # The counts are the part's own entries, stack by stack.
    for stack in [*projects, product]:
        counts = {name: {c["stack"]: c["items"] for c in bundle[name].stacks} for name in PARTS}
        assert counts["controls"][stack.stack_name] == len(stack.resources)
        roles = len(stack.resources_of_type("AWS::IAM::Role"))
        assert counts["iam"][stack.stack_name] == roles > 0
        assert counts["exceptions"][stack.stack_name] > 0
        assert counts["encryption"][stack.stack_name] > 0
        # The model package group, the drift alarm and the drift check schedule at least.
        assert counts["loop-map"][stack.stack_name] >= 3
        assert counts["idle-cost"][stack.stack_name] == len(
            stack.resources_of_type("AWS::CloudWatch::Alarm")
        )
        assert counts["diagram"][stack.stack_name] > 0
        assert counts["tags"][stack.stack_name] > 0


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
