"""The human gate of production: only the model approver gives a deploy pipeline's approval."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

import pytest

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import (
    all_roles,
    grants,
    people_may_assume,
    persona_role,
    role_statements,
)
from tools.cloud_assembly import SynthesizedStack

APPROVE = "codepipeline:PutApprovalResult"
REVIEW = (
    "codepipeline:GetPipelineExecution",
    "codepipeline:GetPipelineState",
    "codepipeline:ListPipelineExecutions",
)


def arn_prefix(environment: SynthesizedEnvironment) -> str:
    """CodePipeline ARNs of the environment: its account and region, or the stack's."""
    config = environment.config
    if config.account:
        return f"arn:aws:codepipeline:{config.region}:{config.account}:"
    return "arn:<AWS::Partition>:codepipeline:<AWS::Region>:<AWS::AccountId>:"


def studio(environment: SynthesizedEnvironment) -> SynthesizedStack:
    return environment.assembly.stack(f"{environment.config.name}/Studio")


def persona_statements(environment: SynthesizedEnvironment, persona: str) -> list[dict]:
    stack = studio(environment)
    return role_statements(stack, persona_role(stack, persona))


def approval_steps(environment: SynthesizedEnvironment) -> Iterator[str]:
    """``<pipeline>/<stage>/<action>`` of every manual approval of every deploy pipeline."""
    assembly = environment.assembly
    for stack in (*assembly.stacks, *assembly.products):
        for pipeline in stack.resources_of_type("AWS::CodePipeline::Pipeline").values():
            name = flatten(pipeline["Properties"]["Name"])
            if not name.endswith("-deploy"):
                continue
            for stage in pipeline["Properties"]["Stages"]:
                for action in stage["Actions"]:
                    if action["ActionTypeId"]["Category"] == "Approval":
                        yield f"{name}/{stage['Name']}/{action['Name']}"


def test_the_approver_approves_exactly_the_production_steps(
    environment: SynthesizedEnvironment,
) -> None:
    granted = persona_statements(environment, "model_approver")
    pipelines = f"cd4ml-{environment.config.name}-*-deploy"
    arn = arn_prefix(environment)
    assert grants(granted, APPROVE) == [f"{arn}{pipelines}/ApproveProduction/ApproveProduction"]
    assert grants(granted, APPROVE, effect="Deny") == []
    for action in REVIEW:
        assert grants(granted, action) == [f"{arn}{pipelines}"], action
    # Reviewing and approving only: the approver neither starts, retries nor changes a run.
    for action in (
        "codepipeline:StartPipelineExecution",
        "codepipeline:RetryStageExecution",
        "codepipeline:UpdatePipeline",
        "codepipeline:StopPipelineExecution",
    ):
        assert grants(granted, action) == [], action


def test_the_grant_covers_every_deploy_pipelines_approval(
    environment: SynthesizedEnvironment,
) -> None:
    (pattern,) = grants(persona_statements(environment, "model_approver"), APPROVE)
    resource = pattern.removeprefix(arn_prefix(environment))
    steps = sorted(set(approval_steps(environment)))
    # One project stack and one project template per shipped environment at least.
    assert len(steps) >= 2
    for step in steps:
        # A template's project name is a parameter: any name matches the pattern.
        concrete = step.replace("<SageMakerProjectName>", "from-template")
        assert fnmatch.fnmatchcase(concrete, resource), step
        assert step.endswith("/ApproveProduction/ApproveProduction")
    assert not fnmatch.fnmatchcase(
        f"cd4ml-{environment.config.name}-churn-build/ApproveProduction/ApproveProduction",
        resource,
    )


@pytest.mark.parametrize("persona", ["data_scientist", "ml_engineer", "platform_admin"])
def test_the_other_personas_are_denied_production_approval(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    granted = persona_statements(environment, persona)
    assert grants(granted, APPROVE) == []
    assert grants(granted, APPROVE, effect="Deny") == ["*"]


def test_no_role_people_can_assume_approves_production_except_the_approver(
    environment: SynthesizedEnvironment,
) -> None:
    approvers = [
        role["Metadata"]["aws:cdk:path"]
        for stack, logical_id, role in all_roles(environment.assembly)
        if people_may_assume(role) and grants(role_statements(stack, logical_id), APPROVE)
    ]
    assert approvers == [f"{environment.config.name}/Studio/Personas/ModelApproverRole/Resource"]
