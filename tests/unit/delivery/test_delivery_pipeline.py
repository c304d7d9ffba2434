"""The three-account example pipeline, read from its synthesized template."""

from __future__ import annotations

import json
from pathlib import Path

from cd4ml_constructs.delivery.delivery_pipeline import CDK_ASSETS_VERSION
from tests.unit.delivery.conftest import (
    SynthesizedDelivery,
    buildspec,
    project,
    role_arn,
    stage,
    stages,
)

ROOT = Path(__file__).parents[3]
TARGETS = {
    "example-dev": "222233334444",
    "example-staging": "333344445555",
    "example-prod": "111122223333",
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


def test_asset_publishing_installs_a_pinned_cdk_assets(
    delivery_example: SynthesizedDelivery,
) -> None:
    assets = stage(delivery_example, "Assets")
    assert len(assets) >= 5
    installs = {
        json.dumps(buildspec(project(delivery_example, a))["phases"]["install"]["commands"])
        for a in assets
    }
    assert installs == {json.dumps([f"npm install -g cdk-assets@{CDK_ASSETS_VERSION}"])}
    assert CDK_ASSETS_VERSION != "latest"


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


def test_example_needs_no_lookup_so_the_synth_step_runs_without_credentials(
    delivery_example: SynthesizedDelivery,
) -> None:
    for manifest in delivery_example.assembly.directory.rglob("manifest.json"):
        assert "missing" not in json.loads(manifest.read_text()), manifest
