"""Rule states as the templates' readers see them: every delivering state counts as enabled."""

from __future__ import annotations

from typing import Any

from tests.conftest import SynthesizedEnvironment
from tools.event_patterns import rules_of


def rule_template(**properties: Any) -> dict[str, Any]:
    return {
        "Resources": {
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {"EventPattern": {"source": ["aws.kms"]}, **properties},
            }
        }
    }


def test_break_glass_watch_rules_read_as_enabled(environment: SynthesizedEnvironment) -> None:
    contract = environment.assembly.stack(f"{environment.config.name}/ProjectContract")
    watch = [
        rule
        for rule in rules_of(contract.template)
        if "KeyBreakGlassWatch" in contract.resources[rule.logical_id]["Metadata"]["aws:cdk:path"]
    ]
    assert len(watch) == 2
    states = {contract.resources[rule.logical_id]["Properties"]["State"] for rule in watch}
    assert states == {"ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}
    assert [rule.enabled for rule in watch] == [True, True]


def test_rule_states_both_ways() -> None:
    def enabled(**properties: Any) -> bool:
        (rule,) = rules_of(rule_template(**properties))
        return rule.enabled

    assert enabled() is True  # CloudFormation's default state
    assert enabled(State="ENABLED") is True
    assert enabled(State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") is True
    assert enabled(State="DISABLED") is False
