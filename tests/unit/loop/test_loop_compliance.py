"""The loop's stacks pass every pack, and each of their acknowledgements is used and reasoned."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment

LOOP_STACKS = ("LoopState", "Loop", "ProjectContract", "Project")


def _in_loop(environment: SynthesizedEnvironment, path: str) -> bool:
    # Project stacks are Project<Name>: a prefix of the stack's construct id.
    return any(path.startswith(f"{environment.config.name}/{name}") for name in LOOP_STACKS)


def test_no_open_finding_in_the_loop_stacks(environment: SynthesizedEnvironment) -> None:
    findings = environment.assembly.findings(suppressed=False)
    assert [f for f in findings if _in_loop(environment, f[2])] == []


def test_every_loop_acknowledgement_suppresses_a_finding_of_its_exact_rule(
    environment: SynthesizedEnvironment,
) -> None:
    # Findings such as AwsSolutions-IAM5[Resource::...] are acknowledged one by one.
    suppressed = {
        (f"{plugin}::{rule}", path)
        for plugin, rule, path in environment.assembly.findings(suppressed=True)
    }
    acknowledgements = [
        (path, rule_id, reason)
        for path, rule_id, reason in environment.assembly.acknowledgements()
        if _in_loop(environment, path + "/")
    ]
    assert len(acknowledgements) > 20
    dead = [
        (path, rule_id)
        for path, rule_id, _ in acknowledgements
        if not any(
            rule_id == suppressed_id and (where == path or where.startswith(path + "/"))
            for suppressed_id, where in suppressed
        )
    ]
    assert dead == []
    for path, rule_id, reason in acknowledgements:
        assert len(reason) >= 60, (path, rule_id, reason)


def test_wildcards_are_acknowledged_one_by_one(sandbox: SynthesizedEnvironment) -> None:
    loop_ids = {
        rule_id
        for path, rule_id, _ in sandbox.assembly.acknowledgements()
        if path.startswith("sandbox/Loop/")
    }
    assert "AwsSolutions::AwsSolutions-IAM5" not in loop_ids
    assert "AwsSolutions::AwsSolutions-IAM5[Resource::*]" in loop_ids
