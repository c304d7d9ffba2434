"""Who can deploy to prod: through each project's deploy pipeline, or around it.

A prod endpoint is deployed by its project's deploy pipeline
(``cd4ml-<env>-<project>-deploy``): the pipeline runs as its own role, and its
CloudFormation action deploys the prod endpoint stack with a role of its own.
Those roles are the route, not more answers: what matters is who can make the
route run (start the pipeline, give its manual approval) and who can go around
it (update the prod endpoint stack passing its deploy role, or create or
update the endpoint directly). A role the pipeline runs as that a person or
an account principal may assume is listed all the same. Who may change the
pipeline itself (``codepipeline:UpdatePipeline``) is listed with the pipeline:
a change takes effect at its next run.
"""

from __future__ import annotations

from typing import Any

from config import EnvironmentConfig
from tools.audit.answers import Principal, Route, answer, evaluate
from tools.audit.policies import RolePolicies
from tools.audit.projects import MlProject, ml_projects
from tools.audit.references import EnvironmentView

START = "codepipeline:StartPipelineExecution"
APPROVE_STEP = "codepipeline:PutApprovalResult"
UPDATE = "codepipeline:UpdatePipeline"


def deployers(
    view: EnvironmentView,
    config: EnvironmentConfig,
    policies: list[RolePolicies],
    people: dict[str, Principal],
) -> dict[str, Any]:
    """The answer to "Who can deploy to prod?" for every project of the environment."""
    routes: dict[str, list[Route]] = {}
    mechanism: dict[str, set[str]] = {}
    projects = ml_projects(view, config)
    for project in projects:
        routes[project.target] = _routes(view, project)
        mechanism[project.target] = {
            role.label for role in project.mechanism if people[role.label].kind == "workload"
        }
    details = evaluate(policies, routes, mechanism=mechanism)
    result = answer(
        "Who can deploy to prod?",
        "start the project's deploy pipeline or approve its manual approval step; or go "
        "around it: update the prod endpoint stack with its deploy role, or create or "
        "update the prod endpoint",
        details,
        people,
    )
    changes = evaluate(
        policies,
        {
            p.target: [[(UPDATE, view.pseudo_arn("codepipeline", p.pipeline_name))]]
            for p in projects
        },
    )
    result["pipelines"] = [_pipeline_entry(project, details, changes) for project in projects]
    approvers = sorted({role for entry in result["pipelines"] for role in entry["approved_by"]})
    result["prod_approvers"] = approvers
    if approvers:
        result["answer"] += (
            "; the prod step (each pipeline's manual approval) is approved by "
            + "; ".join(_named(people[role]) for role in approvers)
        )
    unapproved = [
        f"{p.pipeline_name} ({', '.join(p.approval_steps)})"
        for p, entry in zip(projects, result["pipelines"], strict=True)
        if p.pipeline is not None and entry["approval_steps"] and not entry["approved_by"]
    ]
    if unapproved:
        result["note"] = (
            "no role of the templates may give the manual approval of "
            + "; ".join(unapproved)
            + f": whoever holds {APPROVE_STEP} outside the platform (account administrators, "
            "SSO permission sets) approves production"
        )
    return result


def _named(principal: Principal) -> str:
    return f"{principal.label} ({principal.kind})"


def _routes(view: EnvironmentView, project: MlProject) -> list[Route]:
    pipeline = view.pseudo_arn("codepipeline", project.pipeline_name)
    endpoint = view.pseudo_arn("sagemaker", f"endpoint/{project.endpoint}")
    routes: list[Route] = [
        [(START, pipeline)],
        *([(APPROVE_STEP, f"{pipeline}/{step}")] for step in project.approval_steps),
        [("sagemaker:CreateEndpoint", endpoint)],
        [("sagemaker:UpdateEndpoint", endpoint)],
    ]
    if project.prod_stack and project.prod_stack_role is not None:
        stack = view.pseudo_arn("cloudformation", f"stack/{project.prod_stack}/any-id")
        role = view.arn(project.prod_stack_role)
        routes += [
            [(action, stack), ("iam:PassRole", role)]
            for action in ("cloudformation:CreateStack", "cloudformation:UpdateStack")
        ]
    return routes


def _pipeline_entry(
    project: MlProject, details: list[dict[str, str]], changes: list[dict[str, str]]
) -> dict[str, Any]:
    mine = [d for d in details if d["target"] == project.target]
    pipeline = project.pipeline
    return {
        "project": project.name,
        "kind": project.kind,
        "stack": project.stack,
        "pipeline": pipeline.label if pipeline else "",
        "pipeline_name": project.pipeline_name,
        "endpoint": project.endpoint,
        "prod_stack": project.prod_stack,
        "prod_stack_role": project.prod_stack_role.label if project.prod_stack_role else "",
        "runs_as": sorted({role.label for role in project.mechanism}),
        "approval_steps": [s for s in project.approval_steps if s != "*"],
        "started_by": sorted(d["role"] for d in mine if START in d["actions"].split(", ")),
        "approved_by": sorted(d["role"] for d in mine if APPROVE_STEP in d["actions"].split(", ")),
        "changed_by": sorted(d["role"] for d in changes if d["target"] == project.target),
    }
