"""The loop per ML project: what each project stack (and the template) feeds and receives.

The build pipeline, the model package group, the deploy pipeline and the drift
monitor (its check schedule and alarm) sit in each project's own stack; the
loop's functions and rules sit in the loop stack. This joins the two: for each
project, its resources whose events a loop rule matches, its schedules that
invoke a loop function, the alarms the drift check feeds, and what the loop's
functions may do to it.
"""

from __future__ import annotations

from typing import Any

from tools.audit.projects import NOT_IN_TEMPLATES, MlProject
from tools.audit.references import EnvironmentView


def project_entries(
    view: EnvironmentView, projects: list[MlProject], functions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per project held by a template (project stack or product template)."""
    labels = {r.label: r for r in view.resources()}
    entries = []
    for project in projects:
        if project.kind == NOT_IN_TEMPLATES:
            continue

        def here(label: str, stack: str = project.stack) -> bool:
            resource = labels.get(label)
            return resource is not None and resource.stack.stack_name == stack

        events, schedules, alarms, acted = [], [], [], []
        for function in functions:
            for trigger in function["triggered_by"]:
                events += [
                    f"{emitter} -> {trigger['source']} -> {function['function']}"
                    for emitter in trigger["emitted_by"]
                    if here(emitter)
                ]
                if here(trigger["source"]):
                    schedules.append(
                        f"{trigger['source']} ({trigger['schedule']}) -> {function['function']}"
                    )
            alarms += [
                f"{function['function']} -> {a}" for a in function["feeds_alarms"] if here(a)
            ]
            acted += [
                f"{function['function']} {reach['capability']} {entry.split(': ', 1)[1]}"
                for reach in function["may"]
                for entry in reach["projects"]
                if entry.split(": ", 1)[0] == project.name
            ]
        in_stack = [r for r in view.resources() if r.stack.stack_name == project.stack]
        entries.append(
            {
                "project": project.name,
                "kind": project.kind,
                "stack": project.stack,
                "model_package_groups": sorted(
                    f"{r.label} ({view.resource_name(r)})"
                    for r in in_stack
                    if r.type == "AWS::SageMaker::ModelPackageGroup"
                ),
                "pipelines": sorted(
                    f"{r.label} ({view.resource_name(r)})"
                    for r in in_stack
                    if r.type == "AWS::CodePipeline::Pipeline"
                ),
                "events_to_the_loop": sorted(events),
                "schedules": sorted(schedules),
                "metrics_to_alarms": sorted(alarms),
                "loop_may": sorted(acted),
            }
        )
    return entries
