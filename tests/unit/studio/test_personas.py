"""Personas and separation of duties, proven from the synthesized policies."""

from __future__ import annotations

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import (
    PERSONA_ROLES,
    all_roles,
    as_list,
    grants,
    people_may_assume,
    persona_role,
    role_statements,
)
from tools.cloud_assembly import SynthesizedStack

BUILDERS = ("data_scientist", "ml_engineer")
NOT_APPROVERS = ("data_scientist", "ml_engineer", "platform_admin")


def studio(environment: SynthesizedEnvironment) -> SynthesizedStack:
    return environment.assembly.stack(f"{environment.config.name}/Studio")


def statements(environment: SynthesizedEnvironment, persona: str) -> list[dict]:
    stack = studio(environment)
    return role_statements(stack, persona_role(stack, persona))


@pytest.mark.parametrize("persona", NOT_APPROVERS)
def test_only_the_approver_may_approve(environment: SynthesizedEnvironment, persona: str) -> None:
    granted = statements(environment, persona)
    assert grants(granted, "sagemaker:UpdateModelPackage") == []
    assert grants(granted, "sagemaker:UpdateModelPackage", effect="Deny") == ["*"]


@pytest.mark.parametrize("persona", BUILDERS)
def test_builders_cannot_change_approval_policies(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    granted = statements(environment, persona)
    for action in (
        "sagemaker:PutModelPackageGroupPolicy",
        "sagemaker:DeleteModelPackageGroupPolicy",
    ):
        assert grants(granted, action) == []
        assert grants(granted, action, effect="Deny") == ["*"]
    denied = grants(granted, "ssm:PutParameter", effect="Deny")
    assert len(denied) == 1
    assert denied[0].endswith(f":parameter/cd4ml/{environment.config.name}/projects/*")
    assert grants(granted, "ssm:PutParameter") == []


@pytest.mark.parametrize("persona", BUILDERS)
def test_builders_register_models_but_never_as_approved(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    granted = statements(environment, persona)
    prefix = f"cd4ml-{environment.config.name}-"
    allowed = grants(granted, "sagemaker:CreateModelPackage")
    assert allowed and all(r.endswith(f":model-package/{prefix}*/*") for r in allowed)
    deny = [
        s
        for s in granted
        if s["Effect"] == "Deny" and "sagemaker:CreateModelPackage" in as_list(s["Action"])
    ]
    assert [s["Condition"] for s in deny] == [
        {"StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}}
    ]


def test_the_approver_approves_only_the_platforms_model_packages(
    environment: SynthesizedEnvironment,
) -> None:
    granted = statements(environment, "model_approver")
    prefix = f"cd4ml-{environment.config.name}-"
    approved = grants(granted, "sagemaker:UpdateModelPackage")
    assert len(approved) == 1
    assert approved[0].endswith(f":model-package/{prefix}*/*")
    assert grants(granted, "sagemaker:UpdateModelPackage", effect="Deny") == []
    # ... yet cannot loosen the policy it approves under, nor produce models.
    assert grants(granted, "sagemaker:PutModelPackageGroupPolicy", effect="Deny") == ["*"]
    assert grants(granted, "sagemaker:CreateModelPackage") == []
    assert grants(granted, "sagemaker:CreateTrainingJob") == []


def test_no_role_people_can_assume_approves_except_the_approver(
    environment: SynthesizedEnvironment,
) -> None:
    approvers = []
    for stack, logical_id, role in all_roles(environment.assembly):
        if not people_may_assume(role):
            continue  # service roles, such as the loop's quality gate
        granted = role_statements(stack, logical_id)
        if grants(granted, "sagemaker:UpdateModelPackage"):
            approvers.append(role["Metadata"]["aws:cdk:path"])
    assert approvers == [f"{environment.config.name}/Studio/Personas/ModelApproverRole/Resource"]


@pytest.mark.parametrize("persona", list(PERSONA_ROLES))
def test_least_privilege_no_full_access_no_star_actions(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    stack = studio(environment)
    role_id = persona_role(stack, persona)
    assert "ManagedPolicyArns" not in stack.resources[role_id]["Properties"]
    assert "Policies" not in stack.resources[role_id]["Properties"]
    for statement in role_statements(stack, role_id):
        if statement["Effect"] == "Allow":
            for action in as_list(statement["Action"]):
                assert action != "*" and not action.endswith(":*"), (persona, action)


def test_lake_access_follows_the_config(sandbox: SynthesizedEnvironment) -> None:
    access = sandbox.config.studio.data_access
    for persona in BUILDERS:
        zones = getattr(access, persona)
        granted = statements(sandbox, persona)
        readable = {_zone(r) for r in grants(granted, "s3:GetObject")} - {None}
        writable = {_zone(r) for r in grants(granted, "s3:PutObject")} - {None}
        assert readable == set(zones.read) | set(zones.write), persona
        assert writable == set(zones.write), persona
    for persona in ("model_approver", "platform_admin"):
        granted = statements(sandbox, persona)
        assert {_zone(r) for r in grants(granted, "s3:GetObject")} <= {None}, persona
    assert grants(statements(sandbox, "platform_admin"), "s3:GetObject") == []


def _zone(resource: str) -> str | None:
    for zone in ("raw", "curated", "features"):
        if f"{zone.capitalize()}ZoneBucket" in resource:
            return zone
    return None


def test_studio_roles_trust_sagemaker_and_record_the_profile(
    sandbox: SynthesizedEnvironment,
) -> None:
    stack = studio(sandbox)
    for persona in ("data_scientist", "ml_engineer", "model_approver"):
        trust = stack.resources[persona_role(stack, persona)]["Properties"][
            "AssumeRolePolicyDocument"
        ]["Statement"]
        sagemaker = {
            action
            for statement in trust
            if statement["Principal"].get("Service") == "sagemaker.amazonaws.com"
            for action in as_list(statement["Action"])
        }
        assert sagemaker == {"sts:AssumeRole", "sts:SetSourceIdentity"}, persona
        people = [s for s in trust if "AWS" in s["Principal"]]
        assert (persona == "model_approver") == bool(people), persona
        for statement in people:
            assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_the_platform_administrator_is_a_person_with_mfa(sandbox: SynthesizedEnvironment) -> None:
    stack = studio(sandbox)
    role = stack.resources[persona_role(stack, "platform_admin")]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Condition"] for s in trust] == [{"Bool": {"aws:MultiFactorAuthPresent": "true"}}]
    assert role["MaxSessionDuration"] == 3600
    granted = role_statements(stack, persona_role(stack, "platform_admin"))
    assert grants(granted, "sagemaker:DeleteApp") and grants(granted, "sagemaker:CreateApp") == []


def test_experiment_tracking_is_for_builders_only(example_prod: SynthesizedEnvironment) -> None:
    for persona in PERSONA_ROLES:
        granted = statements(example_prod, persona)
        logged = grants(granted, "sagemaker-mlflow:LogMetric")
        if persona in BUILDERS:
            assert logged == ["<ExperimentTrackingServer3D7A8FD7.TrackingServerArn>"], persona
        else:
            assert logged == [], persona
        # The MLflow model registry stays out of reach: models are approved in SageMaker's.
        assert grants(granted, "sagemaker-mlflow:TransitionModelVersionStage") == []
    admin = statements(example_prod, "platform_admin")
    assert grants(admin, "sagemaker:StopMlflowTrackingServer")
