"""Controls per pack and rule, and the exception register, from the report and the metadata."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part
from tools.audit.controls import CD4ML_RULES, PACKS


def test_an_acknowledgement_is_registered_with_its_reason(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    reasons = {
        (path, rule_id): reason for path, rule_id, reason in sandbox.assembly.acknowledgements()
    }
    reason = reasons[
        (
            "sandbox/Loop/RetrainTrigger/FailureQueue/Queue",
            "Serverless::Serverless-SQSRedrivePolicy",
        )
    ]
    entry = next(
        e
        for e in sandbox_bundle["exceptions"].data
        if e["where"] == "Loop/RetrainTrigger/FailureQueue/Queue"
        and e["rule"] == "Serverless-SQSRedrivePolicy"
    )
    assert entry["pack"] == "Serverless"
    assert entry["reason"] == reason
    assert "dead-letter queue" in entry["reason"]
    assert entry["suppressed"] == [
        "Serverless-SQSRedrivePolicy on Loop/RetrainTrigger/FailureQueue/Queue"
    ]
    assert (
        f"| Serverless | `Serverless-SQSRedrivePolicy` | Loop/RetrainTrigger/FailureQueue/Queue | {reason} |"
        in sandbox_bundle["exceptions"].page
    )


def test_the_register_holds_every_acknowledgement(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    register = sandbox_bundle["exceptions"].data
    assert len(register) == len(sandbox.assembly.acknowledgements())
    ours = [e for e in register if e["pack_registered"]]
    assert ours and all(e["used"] for e in ours)
    # aws-cdk-lib acknowledges its own built-in validation, which the app turns off.
    assert {e["pack"] for e in register if not e["pack_registered"]} <= {"CloudFormation-Validate"}


def test_controls_count_the_report(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    packs = {p["pack"]: p for p in sandbox_bundle["controls"].data["packs"]}
    assert list(packs) == list(PACKS)
    for pack, entry in packs.items():
        suppressed = [f for f in sandbox.assembly.findings(suppressed=True) if f[0] == pack]
        assert entry["acknowledged"] == len(suppressed), pack
        assert entry["open"] == 0
    assert packs["CD4ML"]["acknowledged"] == 0
    assert [r["rule"] for r in packs["CD4ML"]["rules"]] == list(CD4ML_RULES)


def test_a_rule_scope_splits_compliant_from_not_applicable(
    sandbox_bundle: dict[str, Part], sandbox: SynthesizedEnvironment
) -> None:
    serverless = next(
        p for p in sandbox_bundle["controls"].data["packs"] if p["pack"] == "Serverless"
    )
    rule = next(r for r in serverless["rules"] if r["rule"] == "Serverless-SQSRedrivePolicy")
    assert rule["scope_types"] == ["AWS::SQS::Queue"]
    # The project template (a product stack) is checked like the stacks.
    templates = [*sandbox.assembly.stacks, *sandbox.assembly.products]
    queues = sum(len(s.resources_of_type("AWS::SQS::Queue")) for s in templates)
    total = sum(len(s.resources) for s in templates)
    assert rule["compliant"] + len(rule["acknowledged"]) == queues
    assert rule["not_applicable"] == total - queues
    # Every queue is a dead-letter queue, acknowledged: the loop's seven, two in the
    # churn project stack, two in the project template and the one of the key
    # break-glass alarm rules (project contract stack).
    by_owner: dict[str, int] = {}
    for finding in rule["acknowledged"]:
        owner = finding["resource"].split("/")[0]
        by_owner[owner] = by_owner.get(owner, 0) + 1
    assert by_owner == {"Loop": 7, "ProjectChurn": 2, "ProjectCatalog": 2, "ProjectContract": 1}
    assert rule["compliant"] == queues - 12 == 0


def test_the_pack_lists_match_the_app() -> None:
    from cd4ml_constructs.compliance.acknowledgements import PACK_PREFIXES
    from cd4ml_constructs.compliance.rules import RULES

    assert tuple(f"{pack}::" for pack in PACKS) == PACK_PREFIXES
    assert tuple(rule.name for rule in RULES) == CD4ML_RULES
