"""IAM inventory: trust, flat permissions, and who may approve, deploy and read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part
from tools.audit.iam_inventory import iam_inventory
from tools.audit.policies import role_policies
from tools.audit.references import EnvironmentView

MLE = "Studio/Personas/MlEngineerRole"


def _question(bundle: dict[str, Part], start: str) -> dict[str, Any]:
    return next(q for q in bundle["iam"].data["questions"] if q["question"].startswith(start))


@pytest.mark.parametrize("bundle_name", ["sandbox_bundle", "prod_bundle"])
def test_the_approver_is_the_only_person_who_can_approve(
    bundle_name: str, request: pytest.FixtureRequest
) -> None:
    approve = _question(request.getfixturevalue(bundle_name), "Who can approve")
    assert [p["role"] for p in approve["people"]] == ["Studio/Personas/ModelApproverRole"]
    # The quality gate approves by project policy; it is a function, not a person.
    assert [w["role"] for w in approve["workloads"]] == ["Loop/QualityGate/Role"]
    assert {d["actions"] for d in approve["details"]} == {"sagemaker:UpdateModelPackage"}


def test_the_approver_names_its_studio_profile(sandbox_bundle: dict[str, Part]) -> None:
    approve = _question(sandbox_bundle, "Who can approve")
    assert approve["people"][0]["studio_profiles"] == ["edsger-approver"]
    assert approve["answer"].startswith(
        "people through Studio/Personas/ModelApproverRole (Studio profiles: edsger-approver)"
    )


def test_the_other_personas_are_denied_approval(sandbox_view: EnvironmentView) -> None:
    policies = {p.role.label: p for p in role_policies(sandbox_view)}
    package = sandbox_view.pseudo_arn("sagemaker", "model-package/cd4ml-sandbox-churn/1")
    for persona in ("DataScientistRole", "MlEngineerRole", "PlatformAdministratorRole"):
        role = policies[f"Studio/Personas/{persona}"]
        assert role.verdict("sagemaker:UpdateModelPackage", package) == "denied", persona
    approver = policies["Studio/Personas/ModelApproverRole"]
    assert approver.verdict("sagemaker:UpdateModelPackage", package) == "allowed"
    assert approver.verdict("s3:GetObject", "arn:aws:s3:::any/x") == "not allowed"


def test_a_broad_account_role_is_listed_and_a_denied_one_is_not(
    probe_view: EnvironmentView, sandbox: SynthesizedEnvironment
) -> None:
    approve = iam_inventory(probe_view, sandbox.config)["questions"][0]
    # Its trust names the account without MFA: any principal of the account, not a person.
    assert approve["people"] == []
    assert [p["role"] for p in approve["account_principals"]] == ["Store/BroadRole"]
    assert approve["answer"] == (
        "any principal its trust names, without MFA, through Store/BroadRole"
    )
    assert approve["details"] == [
        {
            "target": "cd4ml-probe-demo",
            "role": "Store/BroadRole",
            "actions": "sagemaker:UpdateModelPackage",
            "verdict": "allowed",
        }
    ]


def test_the_deploy_trigger_starts_prod_and_the_approver_approves_it(
    sandbox_bundle: dict[str, Part],
) -> None:
    deploy = _question(sandbox_bundle, "Who can deploy")
    approver = "Studio/Personas/ModelApproverRole"
    assert [p["role"] for p in deploy["people"]] == [approver]
    assert [w["role"] for w in deploy["workloads"]] == ["Loop/DeployTrigger/Role"]
    template = "${parameter:SageMakerProjectName}"
    assert deploy["details"] == [
        {
            "target": f"{project} (endpoint cd4ml-sandbox-{project}-prod)",
            "role": role,
            "actions": actions,
            "verdict": "allowed",
        }
        # Every project created from the template too.
        for project in (template, "churn")
        for role, actions in (
            (approver, "codepipeline:PutApprovalResult"),
            ("Loop/DeployTrigger/Role", "codepipeline:StartPipelineExecution"),
        )
    ]
    churn, from_template = deploy["pipelines"]
    # The pipeline's own roles are the route, not more roles that can deploy.
    assert churn == {
        "project": "churn",
        "kind": "project stack",
        "stack": "sandbox-project-churn",
        "pipeline": "ProjectChurn/Churn/Deploy/Pipeline",
        "pipeline_name": "cd4ml-sandbox-churn-deploy",
        "endpoint": "cd4ml-sandbox-churn-prod",
        "prod_stack": "cd4ml-sandbox-churn-prod-endpoint",
        "prod_stack_role": "ProjectChurn/Churn/Deploy/Production/DeployRole",
        "runs_as": [
            "ProjectChurn/Churn/Deploy/PipelineRole",
            "ProjectChurn/Churn/Deploy/Production/DeployRole",
        ],
        "approval_steps": ["ApproveProduction/ApproveProduction"],
        "started_by": ["Loop/DeployTrigger/Role"],
        "approved_by": [approver],
        # The launch role is denied the declared projects' pipelines.
        "changed_by": [],
    }
    assert (from_template["kind"], from_template["pipeline_name"]) == (
        "product template",
        f"cd4ml-sandbox-{template}-deploy",
    )
    assert from_template["started_by"] == ["Loop/DeployTrigger/Role"]
    assert from_template["approved_by"] == [approver]
    # The approver persona is the human gate of production: the answer names it.
    assert deploy["prod_approvers"] == [approver]
    assert deploy["answer"] == (
        f"people through {approver} (Studio profiles: edsger-approver) and automatically, "
        "Loop/DeployTrigger/Role; the prod step (each pipeline's manual approval) is "
        f"approved by {approver} (person)"
    )
    assert "note" not in deploy
    page = sandbox_bundle["iam"].page
    assert "| churn | project stack sandbox-project-churn | cd4ml-sandbox-churn-deploy |" in page
    assert f"| Loop/DeployTrigger/Role | {approver} | ProjectCatalog/LaunchRole |" in page
    assert deploy["answer"] in page


def test_prod_approval_is_the_approvers_alone(prod_bundle: dict[str, Part]) -> None:
    deploy = _question(prod_bundle, "Who can deploy")
    approver = "Studio/Personas/ModelApproverRole"
    assert deploy["prod_approvers"] == [approver]
    assert deploy["pipelines"]
    for pipeline in deploy["pipelines"]:
        assert pipeline["approved_by"] == [approver], pipeline["pipeline_name"]
    approving = {d["role"] for d in deploy["details"] if "PutApprovalResult" in d["actions"]}
    assert approving == {approver}


def test_the_pipeline_roles_would_be_listed_without_the_route(
    sandbox_view: EnvironmentView,
) -> None:
    # The prod stack's deploy role can create the prod endpoint: what the route hides.
    policies = {p.role.label: p for p in role_policies(sandbox_view)}
    role = policies["ProjectChurn/Churn/Deploy/Production/DeployRole"]
    endpoint = sandbox_view.pseudo_arn("sagemaker", "endpoint/cd4ml-sandbox-churn-prod")
    assert role.verdict("sagemaker:CreateEndpoint", endpoint) == "allowed"
    assert role.verdict("sagemaker:CreateEndpoint", endpoint.replace("prod", "staging")) == (
        "not allowed"
    )


def test_zone_readers_follow_the_config(sandbox_bundle: dict[str, Part]) -> None:
    readers = {
        zone: [p["role"] for p in _question(sandbox_bundle, f"Who can read the {zone}")["people"]]
        for zone in ("raw", "curated", "features")
    }
    assert readers == {
        "raw": ["Studio/Personas/MlEngineerRole"],
        "curated": ["Studio/Personas/DataScientistRole", "Studio/Personas/MlEngineerRole"],
        "features": ["Studio/Personas/DataScientistRole", "Studio/Personas/MlEngineerRole"],
    }
    raw = _question(sandbox_bundle, "Who can read the raw")
    # Each project's build reads its own prefix of the raw zone, and no more.
    assert [(d["target"], d["role"]) for d in raw["details"] if d["role"] != MLE] == [
        (
            "raw (DataLake/RawZone/Bucket, objects /${parameter:SageMakerProjectName}/*)",
            "ProjectCatalog/ProjectTemplate/Template/Project/Build/ExecutionRole",
        ),
        (
            "raw (DataLake/RawZone/Bucket, objects /churn/*)",
            "ProjectChurn/Churn/Build/ExecutionRole",
        ),
    ]
    assert [w["role"] for w in raw["workloads"]] == [
        "ProjectCatalog/ProjectTemplate/Template/Project/Build/ExecutionRole",
        "ProjectChurn/Churn/Build/ExecutionRole",
    ]
    assert raw["means"] == (
        "s3:GetObject on its objects (all of them, or those under a prefix) "
        "and kms:Decrypt on its key"
    )
    for zone in ("curated", "features"):
        assert _question(sandbox_bundle, f"Who can read the {zone}")["workloads"] == []


def test_roles_carry_trust_boundary_and_flat_permissions(sandbox_bundle: dict[str, Part]) -> None:
    roles = {r["role"]: r for r in sandbox_bundle["iam"].data["roles"]}
    approver = roles["Studio/Personas/ModelApproverRole"]
    assert approver["kind"] == "person"
    # The boundary's name carries the region: IAM names are account-global.
    assert approver["permissions_boundary"] == "cd4ml-sandbox-${AWS::Region}-permissions-boundary"
    assert {
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "principals": ["AWS: arn:aws:iam::${AWS::AccountId}:root"],
        "condition": '{"Bool": {"aws:MultiFactorAuthPresent": "true"}}',
    } in approver["trust"]
    assert {
        "resource": "arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:model-package/cd4ml-sandbox-*/*",
        "effect": "Allow",
        "actions": ["sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"],
        "condition": "",
    } in approver["permissions"]
    scientist = roles["Studio/Personas/DataScientistRole"]
    denied = [p for p in scientist["permissions"] if p["effect"] == "Deny" and p["resource"] == "*"]
    unconditional = next(p for p in denied if not p["condition"])
    assert unconditional["actions"] == [
        "codepipeline:PutApprovalResult",
        "sagemaker:DeleteModelPackageGroupPolicy",
        "sagemaker:PutModelPackageGroupPolicy",
        "sagemaker:UpdateModelPackage",
    ]
    # Beside the SageMaker job guardrails (conditional denies of their own), the one
    # conditional deny on models: registering a package as already Approved.
    conditional = next(p for p in denied if "sagemaker:CreateModelPackage" in p["actions"])
    assert {
        "resource": "*",
        "effect": "Deny",
        "actions": [
            "sagemaker:CreateAutoMLJob",
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateTrainingJob",
        ],
        "condition": '{"Bool": {"sagemaker:InterContainerTrafficEncryption": "false"}}',
    } in denied
    assert conditional == {
        "resource": "*",
        "effect": "Deny",
        "actions": ["sagemaker:CreateModelPackage"],
        "condition": '{"StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}}',
    }
    backup = roles["LoopState/BackupRole"]
    assert backup["kind"] == "workload"
    assert backup["aws_managed_policies"] == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    ]


def test_whoever_may_approve_the_pipeline_step_can_deploy(
    probe_view: EnvironmentView, sandbox: SynthesizedEnvironment
) -> None:
    deploy = iam_inventory(probe_view, sandbox.config)["questions"][1]
    by_role = {d["role"]: d["actions"] for d in deploy["details"]}
    assert by_role["Store/ReleaseManagerRole"] == "codepipeline:PutApprovalResult"
    # sagemaker:* reaches the prod endpoint, even where approval is denied.
    assert by_role["Store/BroadRole"] == "sagemaker:CreateEndpoint, sagemaker:UpdateEndpoint"
    assert by_role["Store/DeniedRole"] == "sagemaker:CreateEndpoint, sagemaker:UpdateEndpoint"
    assert set(by_role) == {"Store/ReleaseManagerRole", "Store/BroadRole", "Store/DeniedRole"}
