"""The environment's ML projects, each read from the stack that holds it.

A project declared in config is its own stack, ``<env>-project-<name>``; the
project template (a product stack of the catalog) holds one more, whose name
is a template parameter (``${parameter:SageMakerProjectName}``): every project
a team creates from it. For each, the templates give the model package group,
the deploy pipeline (``cd4ml-<env>-<project>-deploy``), its manual approval
steps, and the CloudFormation action that deploys the prod endpoint stack and
the role it deploys with. What a template does not hold (a project in config
whose stack is missing) falls back on the naming contract.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass

from config import EnvironmentConfig
from config.loop import default_endpoint_name
from tools.audit.references import EnvironmentView, Resource

PROJECT_STACK = "project stack"
PRODUCT_TEMPLATE = "product template"
NOT_IN_TEMPLATES = "config only"


@dataclass(frozen=True)
class MlProject:
    """One ML project as the templates hold it."""

    name: str
    kind: str
    stack: str
    pipeline: Resource | None
    pipeline_name: str
    endpoint: str
    prod_stack: str
    prod_stack_role: Resource | None
    approval_steps: tuple[str, ...]
    mechanism: tuple[Resource, ...]

    @property
    def target(self) -> str:
        return f"{self.name} (endpoint {self.endpoint})"


def ml_projects(view: EnvironmentView, config: EnvironmentConfig) -> list[MlProject]:
    """Projects of the config, then one per product template, in that order."""
    env = config.name
    pipelines = {view.resource_name(p): p for p in view.resources("AWS::CodePipeline::Pipeline")}
    stacks = {stack.stack_name for stack in view.stacks}
    found = []
    for project in config.projects:
        name = f"cd4ml-{env}-{project.name}-deploy"
        stack = f"{env}-project-{project.name}"
        endpoint = project.drift.endpoint_name or default_endpoint_name(env, project.name)
        found.append(
            _project(
                view,
                project.name,
                PROJECT_STACK if stack in stacks else NOT_IN_TEMPLATES,
                stack if stack in stacks else "",
                name,
                pipelines.get(name),
                endpoint,
            )
        )
    shape = re.compile(rf"cd4ml-{re.escape(env)}-(.+)-deploy")
    for product in view.products:
        for name, pipeline in sorted(pipelines.items()):
            match = shape.fullmatch(name)
            if match and pipeline.stack.stack_name == product.stack_name:
                templated = match.group(1)
                endpoint = default_endpoint_name(env, templated)
                found.append(
                    _project(
                        view,
                        templated,
                        PRODUCT_TEMPLATE,
                        product.stack_name,
                        name,
                        pipeline,
                        endpoint,
                    )
                )
    return found


def _project(
    view: EnvironmentView,
    project: str,
    kind: str,
    stack: str,
    name: str,
    pipeline: Resource | None,
    endpoint: str,
) -> MlProject:
    steps: list[str] = []
    deploys: list[dict[str, object]] = []
    mechanism: list[Resource] = []
    if pipeline is not None:
        role = view.target(pipeline.stack, pipeline.properties.get("RoleArn"))
        mechanism += [role] if role else []
        for stage in pipeline.properties.get("Stages", []):
            for action in stage.get("Actions", []):
                kind_of = action.get("ActionTypeId") or {}
                acting = view.target(pipeline.stack, action.get("RoleArn"))
                mechanism += [acting] if acting else []
                if kind_of.get("Category") == "Approval":
                    steps.append(f"{stage.get('Name')}/{action.get('Name')}")
                if (
                    kind_of.get("Category") == "Deploy"
                    and kind_of.get("Provider") == "CloudFormation"
                ):
                    deploys.append(action.get("Configuration") or {})
    prod = _prod_action(view, pipeline, deploys)
    prod_role = None
    prod_stack = ""
    if pipeline is not None and prod is not None:
        prod_stack = view.render(pipeline.stack, prod.get("StackName", ""))
        prod_role = view.target(pipeline.stack, prod.get("RoleArn"))
        overrides = view.render(pipeline.stack, prod.get("ParameterOverrides", "{}"))
        with contextlib.suppress(ValueError):
            endpoint = str(json.loads(overrides).get("EndpointName") or endpoint)
        mechanism += [prod_role] if prod_role else []
    return MlProject(
        name=project,
        kind=kind,
        stack=stack,
        pipeline=pipeline,
        pipeline_name=name,
        endpoint=endpoint,
        prod_stack=prod_stack,
        prod_stack_role=prod_role,
        approval_steps=tuple(sorted(steps)) or ("*",),
        mechanism=tuple(mechanism),
    )


def _prod_action(
    view: EnvironmentView, pipeline: Resource | None, deploys: list[dict[str, object]]
) -> dict[str, object] | None:
    """The deploy action of the prod endpoint stack (``...-prod-endpoint``), else the last one."""
    if pipeline is None or not deploys:
        return None
    for configuration in deploys:
        if view.render(pipeline.stack, configuration.get("StackName", "")).endswith(
            "-prod-endpoint"
        ):
            return configuration
    return deploys[-1]
