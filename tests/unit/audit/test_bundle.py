"""The bundle on disk: deterministic bytes, an index linking every part, the CLI, the diagram."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SynthesizedEnvironment
from tools.audit.__main__ import main
from tools.audit.bundle import Part, build_bundle, write_bundle
from tools.cloud_assembly import CloudAssembly

PARTS = (
    "controls",
    "exceptions",
    "iam",
    "encryption",
    "network",
    "tags",
    "idle-cost",
    "diagram",
    "loop-map",
)


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_two_builds_give_identical_bytes(sandbox: SynthesizedEnvironment, tmp_path: Path) -> None:
    # The second build reads a copy of the assembly from another directory.
    copy = tmp_path / "copy"
    shutil.copytree(sandbox.assembly.directory, copy)
    first = write_bundle(tmp_path / "one", build_bundle(sandbox.assembly, sandbox.config)).parent
    second_assembly = CloudAssembly.load(copy)
    second = write_bundle(tmp_path / "two", build_bundle(second_assembly, sandbox.config)).parent
    one, two = _files(first), _files(second)
    assert sorted(one) == sorted(
        ["README.md", "index.json", "diagram.mmd"]
        + [f"{p}.{ext}" for p in PARTS for ext in ("md", "json")]
    )
    assert one == two
    for content in one.values():
        assert str(tmp_path).encode() not in content
        assert str(sandbox.assembly.directory).encode() not in content


def test_the_index_links_every_part(sandbox_bundle: dict[str, Part]) -> None:
    index = sandbox_bundle["README"].page
    for part in PARTS:
        assert f"]({part}.md)" in index and f"]({part}.json)" in index
    assert "| sandbox-data-lake | stack | 13 |" in index
    data = sandbox_bundle["README"].data
    assert [p["part"] for p in data["parts"]] == list(PARTS)
    assert (data["environment"], data["account"]) == ("sandbox", None)


def test_make_audit_writes_the_bundle(sandbox: SynthesizedEnvironment, tmp_path: Path) -> None:
    copy = tmp_path / "cdk.out"
    shutil.copytree(sandbox.assembly.directory, copy)
    assert main([str(copy), "--env", "sandbox"]) == 0
    written = copy / "audit" / "sandbox"
    assert (written / "README.md").is_file()
    assert len(list(written.glob("*.json"))) == len(PARTS) + 1
    assert main([str(copy), "--env", "example-prod"]) == 2


@pytest.mark.parametrize("bundle_name", ["sandbox_bundle", "prod_bundle"])
def test_the_diagram_draws_every_stack_and_the_loop(
    bundle_name: str, request: pytest.FixtureRequest
) -> None:
    bundle: dict[str, Part] = request.getfixturevalue(bundle_name)
    mermaid = bundle["diagram"].data["mermaid"]
    assert mermaid.startswith("flowchart LR\n")
    stacks = bundle["README"].data["stacks"]
    assert mermaid.count("  subgraph ") == len(stacks)
    assert mermaid.count("\n  end\n") == len(stacks)
    edges = {(e["from"], e["to"]) for e in bundle["diagram"].data["edges"]}
    assert ("r_Loop_RetrainTrigger_DriftAlarmRule", "r_Loop_RetrainTrigger_Function") in edges
    # The loop closes: metrics feed the drift alarm, whose state change is the rule's event.
    drift = next(
        n["id"]
        for n in bundle["diagram"].data["nodes"]
        if n["resource"].endswith("/DriftMonitor/Alarm")
    )
    assert ("r_Loop_DriftCheck_Function", drift) in edges
    assert (drift, "r_Loop_RetrainTrigger_DriftAlarmRule") in edges
    ids = re.findall(r"^\s+(\w+)[\[(]", mermaid, flags=re.MULTILINE)
    assert len(ids) == len(set(ids)), "every node is declared once"
    for source, target in edges:
        assert source in ids and target in ids
    assert "```mermaid" in bundle["diagram"].page
