"""The example pipeline's roles, logs and findings: secure like every other stack."""

from __future__ import annotations

import cfnlint.api
import pytest

from tests.unit.delivery.conftest import SynthesizedDelivery


def test_one_role_runs_every_action_of_the_tooling_account(
    delivery_example: SynthesizedDelivery,
) -> None:
    pipeline = delivery_example.one("AWS::CodePipeline::Pipeline")
    for pipeline_stage in pipeline["Stages"]:
        for action in pipeline_stage["Actions"]:
            if action["ActionTypeId"]["Category"] != "Deploy":
                assert "RoleArn" not in action, action["Name"]
    roles = delivery_example.stack.resources_of_type("AWS::IAM::Role")
    pipeline_roles = [
        r
        for r in roles.values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "codepipeline.amazonaws.com"}
    ]
    assert len(pipeline_roles) == 1


def test_every_pipeline_role_carries_the_pipelines_boundary(
    delivery_example: SynthesizedDelivery,
) -> None:
    roles = delivery_example.stack.resources_of_type("AWS::IAM::Role")
    assert len(roles) >= 6
    for logical_id, role in roles.items():
        assert role["Properties"]["PermissionsBoundary"] == {
            "Ref": "PermissionsBoundaryPolicy2F8055A4"
        }, logical_id


def test_build_logs_are_encrypted_and_kept(delivery_example: SynthesizedDelivery) -> None:
    group = delivery_example.one("AWS::Logs::LogGroup")
    assert group["RetentionInDays"] == 731
    assert "KmsKeyId" in group
    for properties in (
        r["Properties"]
        for r in delivery_example.stack.resources_of_type("AWS::CodeBuild::Project").values()
    ):
        logs = properties["LogsConfig"]["CloudWatchLogs"]
        assert logs["Status"] == "ENABLED"
        assert "GroupName" in logs
        assert "EncryptionKey" in properties


@pytest.mark.parametrize("fixture", ["delivery_example", "delivery_cross_region"])
def test_example_passes_every_pack_with_used_acknowledgements(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    delivery_example: SynthesizedDelivery = request.getfixturevalue(fixture)
    assert delivery_example.assembly.findings(suppressed=False) == []
    suppressed = {
        (f"{plugin}::{rule}", path)
        for plugin, rule, path in delivery_example.assembly.findings(suppressed=True)
    }
    ours = [
        a
        for a in delivery_example.assembly.acknowledgements()
        if a[0].startswith("cd4ml-delivery/") and not a[1].startswith("CloudFormation-")
    ]
    assert len(ours) >= 20
    dead = [
        (path, rule_id)
        for path, rule_id, _reason in ours
        if not any(
            rule_id == found and (where == path or where.startswith(path + "/"))
            for found, where in suppressed
        )
    ]
    assert dead == []


def test_cfn_lint_finds_nothing_in_the_pipeline(delivery_example: SynthesizedDelivery) -> None:
    config = cfnlint.api.ManualArgs(regions=["eu-west-1"])
    matches = cfnlint.api.lint_file(delivery_example.stack.template_path, config=config)
    assert [str(m) for m in matches] == []
