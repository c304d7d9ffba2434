"""Endpoints in other accounts: the artifacts bucket, its key and the registry let their roles in.

The example-prod config, with credit-risk's staging endpoint in 333344445555 and
its production endpoint in 444455556666 (``projects[].deploy``), synthesized
once for this module; the sandbox is one account and its policies name no other.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import build_app
from cd4ml_constructs.projects.target_account_access import TargetAccount, target_accounts
from config import load_environment
from config.project_deploy import DeployConfig
from stacks import PlatformStage
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import project_stack, stack
from tests.unit.projects import template_reading as reading
from tests.unit.projects.catalog_reading import render
from tools.cloud_assembly import CloudAssembly

TARGETS = {"staging": "333344445555", "prod": "444455556666"}
PREFIX = "cd4ml-example-prod-credit-risk"


@pytest.fixture(scope="module")
def example_prod(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    """example-prod with both endpoint stages of its project in other accounts."""
    config = load_environment("example-prod")
    projects = tuple(
        project.model_copy(
            update={
                "deploy": DeployConfig(
                    staging_account=TARGETS["staging"], prod_account=TARGETS["prod"]
                )
            }
        )
        for project in config.projects
    )
    config = config.model_copy(update={"projects": projects})
    outdir = tmp_path_factory.mktemp("example-prod-targets")
    app = build_app(config, outdir=str(outdir))
    stage = app.node.find_child(config.name)
    assert isinstance(stage, PlatformStage)
    app.synth()  # every pack: a finding raises here
    return SynthesizedEnvironment(config=config, stage=stage, assembly=CloudAssembly.load(outdir))


def _one_of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    (resource,) = reading.of_type(template, kind).values()
    return resource


def _artifacts_policy(environment: SynthesizedEnvironment) -> list[dict[str, Any]]:
    policies = [
        policy
        for policy in reading.of_type(
            stack(environment, "DataLake").template, "AWS::S3::BucketPolicy"
        ).values()
        if "ModelArtifacts" in json.dumps(policy["Properties"]["Bucket"])
    ]
    (policy,) = policies
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _artifacts_key_policy(environment: SynthesizedEnvironment) -> list[dict[str, Any]]:
    keys = reading.of_type(stack(environment, "Keys").template, "AWS::KMS::Key")
    (key,) = [k for logical_id, k in keys.items() if logical_id.startswith("ArtifactsKey")]
    return list(key["Properties"]["KeyPolicy"]["Statement"])


def _grants(statements: list[dict[str, Any]]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Role ARN -> (actions, resource) of each statement naming it in aws:PrincipalArn."""
    found: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for statement in statements:
        roles = statement.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn", [])
        for role in roles:
            account = render(role).split(":")[4]
            assert statement["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
            actions = statement["Action"]
            entry = (tuple([actions] if isinstance(actions, str) else actions), "")
            found.setdefault(render(role), []).append(
                (entry[0], render(statement["Resource"]).split("/", 1)[-1])
            )
    return found


def _deploy_action(template: dict[str, Any], stage: str, name: str) -> dict[str, Any]:
    (pipeline,) = [
        p["Properties"]
        for p in reading.of_type(template, "AWS::CodePipeline::Pipeline").values()
        if p["Properties"]["Name"] == f"{PREFIX}-deploy"
    ]
    (action,) = [
        a
        for s in pipeline["Stages"]
        if s["Name"] == stage
        for a in s["Actions"]
        if a["Name"] == name
    ]
    return dict(action)


def _role(stage: str, suffix: str) -> str:
    return f"arn:aws:iam::{TARGETS[stage]}:role/{PREFIX}-{stage}-{suffix}"


def test_the_bucket_lets_each_target_role_reach_only_its_prefixes(
    example_prod: SynthesizedEnvironment,
) -> None:
    grants = _grants(_artifacts_policy(example_prod))
    expected: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for stage in TARGETS:
        pipeline_artifacts = (("s3:GetObject", "s3:GetObjectVersion"), f"{PREFIX[:20]}/*")
        expected[_role(stage, "deploy")] = [pipeline_artifacts]
        expected[_role(stage, "cfn")] = [pipeline_artifacts]
        expected[_role(stage, "endpoint")] = [
            (("s3:GetObject",), "projects/credit-risk/build/*"),
            (("s3:PutObject",), f"data-capture/{PREFIX}-{stage}/*"),
        ]
    assert grants == expected


def test_the_key_lets_the_target_roles_use_it_through_s3_and_for_endpoint_volumes(
    example_prod: SynthesizedEnvironment,
) -> None:
    statements = _artifacts_key_policy(example_prod)
    grants = _grants(statements)
    for stage in TARGETS:
        assert grants[_role(stage, "deploy")] == [(("kms:Decrypt",), "*")]
        assert grants[_role(stage, "endpoint")] == [
            (("kms:Decrypt",), "*"),
            (("kms:GenerateDataKey",), "*"),
        ]
        assert grants[_role(stage, "cfn")] == [
            (("kms:Decrypt",), "*"),
            (("kms:CreateGrant",), "*"),
            (("kms:DescribeKey",), "*"),
        ]
    for statement in statements:
        action = statement["Action"]
        if action in ("kms:Decrypt", "kms:GenerateDataKey") and "ArnEquals" in statement.get(
            "Condition", {}
        ):
            service = statement["Condition"]["StringEquals"]["kms:ViaService"]
            assert render(service) == "s3.us-east-1.amazonaws.com"  # AWS::Region, rendered
        if action == "kms:CreateGrant" and "ArnEquals" in statement.get("Condition", {}):
            assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_the_policies_name_the_roles_the_deploy_pipeline_uses(
    example_prod: SynthesizedEnvironment,
) -> None:
    template = project_stack(example_prod, "credit-risk").template
    granted = set(_grants(_artifacts_policy(example_prod)))
    used = set()
    for stage, namespace in (
        ("DeployStaging", "StagingEndpoint"),
        ("DeployProduction", "ProductionEndpoint"),
    ):
        action = _deploy_action(template, stage, f"Deploy{namespace}")
        overrides = json.loads(render(action["Configuration"]["ParameterOverrides"]))
        used |= {render(action["RoleArn"]), render(action["Configuration"]["RoleArn"])}
        used.add(overrides["ExecutionRoleArn"])
    assert used == granted


def test_the_model_package_group_lets_the_target_accounts_read_the_packages(
    example_prod: SynthesizedEnvironment,
) -> None:
    template = project_stack(example_prod, "credit-risk").template
    group = _one_of_type(template, "AWS::SageMaker::ModelPackageGroup")
    (statement,) = group["Properties"]["ModelPackageGroupPolicy"]["Statement"]
    assert statement["Principal"]["AWS"] == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::333344445555:root",
        "arn:aws:iam::444455556666:root",
    ]
    assert "sagemaker:DescribeModelPackage" in statement["Action"]
    assert statement["Resource"][1].endswith(":model-package/cd4ml-example-prod-credit-risk/*")
    assert set(TARGETS.values()) <= set(example_prod.config.trusted_accounts)


def test_in_the_sandbox_the_policies_name_no_other_account(
    sandbox: SynthesizedEnvironment,
) -> None:
    assert sandbox.stage.project_contract.target_accounts == []
    assert _grants(_artifacts_policy(sandbox)) == {}
    assert _grants(_artifacts_key_policy(sandbox)) == {}


@pytest.mark.parametrize(
    ("deploys", "expected"),
    [
        ([("churn", None, None)], []),
        ([("churn", "111111111111", "111111111111")], []),
        (
            [("churn", "222222222222", None), ("risk", None, "333333333333")],
            [
                TargetAccount("churn", "staging", "222222222222"),
                TargetAccount("risk", "prod", "333333333333"),
            ],
        ),
    ],
)
def test_only_stages_in_another_account_are_targets(
    deploys: list[tuple[str, str | None, str | None]], expected: list[TargetAccount]
) -> None:
    assert target_accounts(deploys, own_account="111111111111") == expected
