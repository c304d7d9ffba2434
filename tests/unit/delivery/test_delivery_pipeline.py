"""The three-account example pipeline, read from its synthesized template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cfnlint.api

from tests.unit.delivery.conftest import SynthesizedDelivery

ROOT = Path(__file__).parents[3]
TARGETS = {
    "example-dev": "222233334444",
    "example-staging": "333344445555",
    "example-prod": "111122223333",
}


def stages(delivery: SynthesizedDelivery) -> list[dict[str, Any]]:
    return list(delivery.one("AWS::CodePipeline::Pipeline")["Stages"])


def stage(delivery: SynthesizedDelivery, name: str) -> list[dict[str, Any]]:
    return next(s["Actions"] for s in stages(delivery) if s["Name"] == name)


def project(delivery: SynthesizedDelivery, action: dict[str, Any]) -> dict[str, Any]:
    logical_id = action["Configuration"]["ProjectName"]["Ref"]
    return dict(delivery.stack.resources[logical_id]["Properties"])


def buildspec(properties: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(properties["Source"]["BuildSpec"]))


def role_arn(account: str, purpose: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":iam::{account}:role/cdk-hnb659fds-{purpose}-role-{account}-eu-west-1",
            ],
        ]
    }


def test_pipeline_is_v2_queued_in_the_tooling_account(
    delivery_example: SynthesizedDelivery,
) -> None:
    pipeline = delivery_example.one("AWS::CodePipeline::Pipeline")
    assert pipeline["PipelineType"] == "V2"
    assert pipeline["ExecutionMode"] == "QUEUED"
    assert delivery_example.stack.region == "eu-west-1"
    assert delivery_example.stack.stack_name == "cd4ml-delivery"


def test_source_is_the_configured_connection(delivery_example: SynthesizedDelivery) -> None:
    (source,) = stage(delivery_example, "Source")
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"] == {
        "ConnectionArn": "arn:aws:codeconnections:eu-west-1:444455556666:connection/"
        "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d",
        "FullRepositoryId": "example-org/cd4ml-platform",
        "BranchName": "main",
        "DetectChanges": True,
    }


def test_synth_sets_up_as_the_readme_does_tests_then_synthesizes(
    delivery_example: SynthesizedDelivery,
) -> None:
    (synth,) = stage(delivery_example, "Build")
    properties = project(delivery_example, synth)
    spec = buildspec(properties)
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11"}
    assert spec["phases"]["build"]["commands"] == [
        "make setup",
        "make test",
        ". .venv/bin/activate && npx cdk synth -q -c pipeline=delivery-example",
    ]
    assert spec["artifacts"]["base-directory"] == "cdk.out"
    assert properties["Environment"]["PrivilegedMode"] is False
    readme = (ROOT / "README.md").read_text()
    assert "Build: make setup; make test; npx cdk synth -q -c pipeline=NAME" in readme


def test_self_mutation_uses_the_cli_pinned_in_package_json(
    delivery_example: SynthesizedDelivery,
) -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    (mutate,) = stage(delivery_example, "UpdatePipeline")
    spec = buildspec(project(delivery_example, mutate))
    assert spec["phases"]["install"]["commands"] == [f"npm install -g aws-cdk@{pinned}"]
    assert spec["phases"]["build"]["commands"] == [
        "cdk -a . deploy cd4ml-delivery --require-approval=never --verbose"
    ]


def test_one_stage_per_environment_in_config_order(delivery_example: SynthesizedDelivery) -> None:
    names = [s["Name"] for s in stages(delivery_example)]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", *TARGETS]


def test_each_stage_deploys_with_its_own_accounts_bootstrap_roles(
    delivery_example: SynthesizedDelivery,
) -> None:
    for target in delivery_example.settings.targets:
        name, account = target.name, TARGETS[target.name]
        projects = [f"project-{p.name}" for p in target.environment.projects]
        assert projects == ["project-credit-risk"], name
        deploys = [a for a in stage(delivery_example, name) if a["Name"].endswith(".Deploy")]
        assert {a["Configuration"]["StackName"] for a in deploys} == {
            f"{name}-{stack}"
            for stack in (
                "guardrails",
                "keys",
                "network",
                "data-lake",
                "studio",
                "loop-state",
                "loop",
                "project-contract",
                "project-catalog",
                *projects,
            )
        }
        prepares = [a for a in stage(delivery_example, name) if a["Name"].endswith(".Prepare")]
        assert len(prepares) == len(deploys)
        for action in deploys + prepares:
            assert action["RoleArn"] == role_arn(account, "deploy"), action["Name"]
        for action in prepares:
            # The change set runs as the execution role bootstrapped with the shipped policy.
            execution = action["Configuration"]["RoleArn"]
            assert execution == role_arn(account, "cfn-exec"), action["Name"]


def test_manual_approval_only_before_prod(delivery_example: SynthesizedDelivery) -> None:
    for name in TARGETS:
        actions = stage(delivery_example, name)
        approvals = [a for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
        if name != "example-prod":
            assert approvals == [], name
            continue
        (approval,) = approvals
        assert approval["ActionTypeId"]["Provider"] == "Manual"
        assert approval["RunOrder"] == 1
        assert all(a["RunOrder"] > 1 for a in actions if a is not approval)


def test_artifacts_are_encrypted_with_a_key_shared_with_the_target_accounts(
    delivery_example: SynthesizedDelivery,
) -> None:
    pipeline = delivery_example.one("AWS::CodePipeline::Pipeline")
    key_id = pipeline["ArtifactStore"]["EncryptionKey"]["Id"]["Fn::GetAtt"][0]
    key = delivery_example.stack.resources[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    principals = [
        principal
        for statement in key["KeyPolicy"]["Statement"]
        if "kms:Decrypt" in statement["Action"]
        for principal in statement["Principal"].get("AWS", [])
    ]
    for account in TARGETS.values():
        assert role_arn(account, "deploy") in principals, account
    bucket_id = pipeline["ArtifactStore"]["Location"]["Ref"]
    bucket = delivery_example.stack.resources[bucket_id]
    assert bucket["DeletionPolicy"] == "Retain"
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["LoggingConfiguration"]["LogFilePrefix"] == "artifacts/"
    sse = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}


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


def test_each_stage_ends_with_its_post_deploy_check(delivery_example: SynthesizedDelivery) -> None:
    check_roles = []
    for name, account in TARGETS.items():
        actions = stage(delivery_example, name)
        last = max(actions, key=lambda a: a["RunOrder"])
        assert last["Name"] == f"Check-{name}"
        assert all(a["RunOrder"] < last["RunOrder"] for a in actions if a is not last)
        studio = delivery_example.assembly.stack(f"{name}/Studio").template_path.name
        namespace = studio.removesuffix(".template.json")
        assert json.loads(last["Configuration"]["EnvironmentVariables"]) == [
            {"name": "STUDIO_DOMAIN_ID", "type": "PLAINTEXT", "value": f"#{{{namespace}.DomainId}}"}
        ]
        properties = project(delivery_example, last)
        variables = {
            v["Name"]: v["Value"] for v in properties["Environment"]["EnvironmentVariables"]
        }
        assert variables == {
            "ENVIRONMENT": name,
            "LOOP_STACK": f"{name}-loop",
            "CHECK_ROLE_ARN": role_arn(account, "lookup"),
            "TARGET_REGION": "eu-west-1",
        }
        assert buildspec(properties)["phases"]["build"]["commands"] == [
            "bash constructs/cd4ml_constructs/delivery/check_stage.sh"
        ]
        check_roles.append(properties["ServiceRole"])
    assert len({json.dumps(r) for r in check_roles}) == 1, "one role for every check"
    role_id = check_roles[0]["Fn::GetAtt"][0]
    assumes = [
        statement
        for policy in delivery_example.stack.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "sts:AssumeRole"
    ]
    resources = [r for statement in assumes for r in statement["Resource"]]
    assert sorted(json.dumps(r) for r in resources) == sorted(
        json.dumps(role_arn(account, "lookup")) for account in TARGETS.values()
    )


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


def test_example_passes_every_pack_with_used_acknowledgements(
    delivery_example: SynthesizedDelivery,
) -> None:
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


def test_example_needs_no_lookup_so_the_synth_step_runs_without_credentials(
    delivery_example: SynthesizedDelivery,
) -> None:
    for manifest in delivery_example.assembly.directory.rglob("manifest.json"):
        assert "missing" not in json.loads(manifest.read_text()), manifest
