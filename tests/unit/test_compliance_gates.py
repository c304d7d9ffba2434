"""Every synth passes every pack; every acknowledgement is narrow, reasoned and used."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint.api
import pytest

from tests.conftest import SynthesizedEnvironment

PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321", "Serverless")
CFN_SCHEMAS = Path(cfnlint.api.__file__).parent / "data" / "schemas"


def test_no_open_finding_in_any_pack(environment: SynthesizedEnvironment) -> None:
    assert environment.assembly.findings(suppressed=False) == []


def test_every_pack_ran(environment: SynthesizedEnvironment) -> None:
    # A pack that reports nothing leaves no entry, so prove the packs are
    # registered on the app itself.
    from cd4ml_constructs.compliance import compliance_packs

    names = [pack.name for pack in compliance_packs()]
    for pack in PACKS:
        assert pack in names


def test_every_acknowledgement_matches_a_real_finding(environment: SynthesizedEnvironment) -> None:
    suppressed = {
        (f"{plugin}::{rule}", path)
        for plugin, rule, path in environment.assembly.findings(suppressed=True)
    }
    ours = [
        a for a in environment.assembly.acknowledgements() if not a[1].startswith("CloudFormation-")
    ]
    assert ours, "the platform acknowledges some findings; none found means the reader is broken"
    dead = []
    for construct_path, rule_id, _reason in ours:
        matched = any(
            rule_id == suppressed_id
            and (path == construct_path or path.startswith(construct_path + "/"))
            for suppressed_id, path in suppressed
        )
        if not matched:
            dead.append((construct_path, rule_id))
    assert dead == [], "acknowledgements that suppress nothing"


def test_no_acknowledgement_sits_on_a_stack_or_stage(environment: SynthesizedEnvironment) -> None:
    stack_paths = {stack.display_name for stack in environment.assembly.stacks}
    stage_path = environment.config.name
    for construct_path, rule_id, reason in environment.assembly.acknowledgements():
        if rule_id.startswith("CloudFormation-"):
            continue  # aws-cdk-lib's own notes on its generated templates
        assert construct_path not in stack_paths | {stage_path}, (construct_path, rule_id)
        assert len(reason) >= 40, (construct_path, rule_id, reason)


def test_acknowledge_refuses_unprefixed_ids_and_wide_scopes() -> None:
    import aws_cdk as cdk
    from aws_cdk import aws_sqs as sqs

    from cd4ml_constructs.compliance import acknowledge

    app = cdk.App()
    stack = cdk.Stack(app, "Bare")
    queue = sqs.Queue(stack, "Queue")
    reason = "a reason long enough for an auditor to read and accept"
    with pytest.raises(ValueError, match="no pack prefix"):
        acknowledge(queue, reason, "AwsSolutions-SQS3")
    with pytest.raises(ValueError, match="on the resource"):
        acknowledge(stack, reason, "AwsSolutions::AwsSolutions-SQS3")
    with pytest.raises(ValueError, match="reason"):
        acknowledge(queue, "because", "AwsSolutions::AwsSolutions-SQS3")


# --- tags ------------------------------------------------------------------


@cache
def _taggable(resource_type: str) -> bool:
    provider = json.loads((CFN_SCHEMAS / "providers" / "us-east-1.json").read_text())
    digest = provider.get(resource_type)
    if digest is None:
        return False
    schema = json.loads((CFN_SCHEMAS / "resources" / f"{digest}.json").read_text())
    tagging = schema.get("tagging", {})
    return bool(tagging.get("taggable")) and tagging.get("tagProperty") == "/properties/Tags"


def _tags(properties: dict[str, Any]) -> dict[str, str]:
    tags = properties.get("Tags", {})
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags)


def test_every_taggable_resource_carries_the_required_tags(
    environment: SynthesizedEnvironment,
) -> None:
    required = environment.config.required_tags
    checked = 0
    for stack in environment.assembly.stacks:
        for logical_id, resource in stack.resources.items():
            if not _taggable(resource["Type"]):
                continue
            checked += 1
            tags = _tags(resource.get("Properties", {}))
            missing = {k: v for k, v in required.items() if tags.get(k) != v}
            assert not missing, (stack.stack_name, logical_id, resource["Type"], missing)
    assert checked >= 20


# --- cfn-lint --------------------------------------------------------------


def test_cfn_lint_finds_nothing(environment: SynthesizedEnvironment) -> None:
    config = cfnlint.api.ManualArgs(
        regions=[environment.config.region or "us-east-1"],
        **_cfn_lint_settings(),
    )
    problems = []
    for stack in environment.assembly.stacks:
        for match in cfnlint.api.lint_file(stack.template_path, config=config):
            problems.append(f"{stack.stack_name}: {match}")
    assert problems == []


def _cfn_lint_settings() -> dict[str, Any]:
    """The checked-in cfn-lint settings (``.cfnlintrc.yaml``): ignored rules with reasons."""
    import yaml

    settings = yaml.safe_load((Path(__file__).parents[2] / ".cfnlintrc.yaml").read_text())
    return {"ignore_checks": list(settings.get("ignore_checks") or [])}
