"""Loop map: which events start which function, and what each function may then do.

Read from the EventBridge rules' patterns and targets, the schedules, the
functions' invoke permissions and the functions' roles. For each project
(each project stack, and the project template's: ``tools.audit.projects``)
the map names the concrete pipeline, model package group and endpoint a
function's permissions reach, and what the project's own stack feeds the
loop (``tools.audit.loop_projects``). What actually happened at run
time is in the audit trail table, located here from the functions' settings.
"""

from __future__ import annotations

import json
from typing import Any

from config import EnvironmentConfig
from tools.audit.loop_projects import project_entries
from tools.audit.policies import RolePolicies, role_policies
from tools.audit.projects import MlProject, ml_projects
from tools.audit.references import EnvironmentView, Resource
from tools.event_patterns import UnsupportedFilter, matches

# capability -> (action, ARN template of a project's resource)
CAPABILITIES: dict[str, tuple[str, str, str]] = {
    "starts model-build pipeline": (
        "sagemaker:StartPipelineExecution",
        "sagemaker",
        "pipeline/cd4ml-{env}-{project}-build",
    ),
    "approves or rejects models of": (
        "sagemaker:UpdateModelPackage",
        "sagemaker",
        "model-package/cd4ml-{env}-{project}/1",
    ),
    "starts deploy pipeline": (
        "codepipeline:StartPipelineExecution",
        "codepipeline",
        "cd4ml-{env}-{project}-deploy",
    ),
    "creates or updates endpoint": ("sagemaker:UpdateEndpoint", "sagemaker", "endpoint/{endpoint}"),
}


def loop_map(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, Any]:
    """The loop-map part of the bundle (JSON-ready)."""
    policies = {p.role.label: p for p in role_policies(view)}
    projects = ml_projects(view, config)
    functions = []
    for function in view.resources("AWS::Lambda::Function"):
        role = view.target(function.stack, function.properties.get("Role"))
        policy = policies.get(role.label) if role else None
        reaches = _reaches(view, projects, policy) if policy else []
        triggers = _triggers(view, function)
        feeds = _fed_alarms(view, policy) if policy else []
        if not triggers and not reaches and not feeds:
            continue  # not part of the loop (custom-resource providers and the like)
        functions.append(
            {
                "function": function.label,
                "description": view.render(
                    function.stack, function.properties.get("Description", "")
                ),
                "role": role.label if role else "",
                "triggered_by": triggers,
                "invoke_permissions": _invokers(view, function),
                "may": reaches,
                "feeds_alarms": feeds,
            }
        )
    return {
        "functions": functions,
        "projects": project_entries(view, projects, functions),
        "audit_trail": _audit_trail(view, policies),
    }


def _triggers(view: EnvironmentView, function: Resource) -> list[dict[str, Any]]:
    found = []
    for rule in view.resources("AWS::Events::Rule"):
        for target in rule.properties.get("Targets", []):
            if _is(view, rule, target.get("Arn"), function):
                pattern = rule.properties.get("EventPattern")
                if isinstance(pattern, str):
                    pattern = json.loads(pattern)
                rendered = view.render_tree(rule.stack, pattern) if pattern else None
                found.append(
                    {
                        "kind": "EventBridge rule",
                        "source": rule.label,
                        "emitted_by": _emitters(view, rendered) if rendered else [],
                        "description": view.render(
                            rule.stack, rule.properties.get("Description", "")
                        ),
                        "pattern": rendered,
                        "schedule": rule.properties.get("ScheduleExpression", ""),
                        "enabled": rule.properties.get("State", "ENABLED") == "ENABLED",
                    }
                )
    for schedule in view.resources("AWS::Scheduler::Schedule"):
        target = schedule.properties.get("Target") or {}
        if _is(view, schedule, target.get("Arn"), function):
            found.append(
                {
                    "kind": "EventBridge Scheduler schedule",
                    "source": schedule.label,
                    "emitted_by": [],
                    "description": view.render(
                        schedule.stack, schedule.properties.get("Description", "")
                    ),
                    "pattern": None,
                    "schedule": view.render(
                        schedule.stack, schedule.properties.get("ScheduleExpression", "")
                    ),
                    "enabled": schedule.properties.get("State", "ENABLED") == "ENABLED",
                }
            )
    found.sort(key=lambda t: (t["kind"], t["source"]))
    return found


def _invokers(view: EnvironmentView, function: Resource) -> list[str]:
    found = []
    for permission in view.resources("AWS::Lambda::Permission"):
        if _is(view, permission, permission.properties.get("FunctionName"), function):
            source = view.target(permission.stack, permission.properties.get("SourceArn"))
            principal = view.render(permission.stack, permission.properties.get("Principal", ""))
            found.append(f"{principal}" + (f" from {source.label}" if source else ""))
    return sorted(found)


def _reaches(
    view: EnvironmentView, projects: list[MlProject], policy: RolePolicies
) -> list[dict[str, Any]]:
    found = []
    for capability, (action, service, shape) in CAPABILITIES.items():
        patterns = sorted(
            {
                resource
                for s in policy.identity
                if s.effect == "Allow" and s.covers_action(action)
                for resource in s.resources
            }
        )
        if not patterns:
            continue
        reached = []
        for project in projects:
            part = shape.format(
                env=view.environment, project=project.name, endpoint=project.endpoint
            )
            verdict = policy.verdict(action, view.pseudo_arn(service, part))
            if verdict in ("allowed", "conditional"):
                reached.append(f"{project.name}: {part.split('/', 1)[-1]} ({verdict})")
        found.append(
            {
                "capability": capability,
                "action": action,
                "resources": patterns,
                "projects": reached,
            }
        )
    return found


def _audit_trail(view: EnvironmentView, policies: dict[str, RolePolicies]) -> dict[str, Any]:
    tables: dict[str, Resource] = {}
    for function in view.resources("AWS::Lambda::Function"):
        variables = (function.properties.get("Environment") or {}).get("Variables") or {}
        for name, value in variables.items():
            table = view.target(function.stack, value)
            if "AUDIT" in name.upper() and table and table.type == "AWS::DynamoDB::Table":
                tables[table.label] = table
    if not tables:
        return {"table": None, "note": "no function names an audit table in its settings"}
    table = tables[sorted(tables)[0]]
    arn = view.arn(table)
    writers = sorted(
        label for label, p in policies.items() if p.verdict("dynamodb:PutItem", arn) == "allowed"
    )
    keys = {k["KeyType"]: k["AttributeName"] for k in table.properties.get("KeySchema", [])}
    pitr = (table.properties.get("PointInTimeRecoverySpecification") or {}).get(
        "PointInTimeRecoveryEnabled", False
    )
    return {
        "table": table.label,
        "stack": table.stack.stack_name,
        "partition_key": keys.get("HASH", ""),
        "sort_key": keys.get("RANGE", ""),
        "point_in_time_recovery": bool(pitr),
        "deletion_protection": bool(table.properties.get("DeletionProtectionEnabled", False)),
        "writers": writers,
        "note": (
            "one item per decision (event id, project, trigger, inputs, decision, reason, "
            "resulting run); find the deployed table name in the stack's resources "
            f"(aws cloudformation describe-stack-resources --stack-name {table.stack.stack_name})"
        ),
    }


def _is(view: EnvironmentView, owner: Resource, value: Any, function: Resource) -> bool:
    target = view.target(owner.stack, value)
    if target is None and value is not None:
        # ``<function arn>:*`` or an alias: the first reference inside counts.
        targets = view.targets(owner.stack, value)
        target = targets[0] if targets else None
    return target is not None and target.label == function.label


# Events the templates' own resources emit, for matching against rule patterns.
_EVENTS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "AWS::CloudWatch::Alarm": [
        ("aws.cloudwatch", "CloudWatch Alarm State Change",
         {"alarmName": "{name}", "state": {"value": "ALARM"}}),
    ],
    "AWS::SageMaker::ModelPackageGroup": [
        ("aws.sagemaker", "SageMaker Model Package State Change",
         {"ModelPackageGroupName": "{name}", "ModelApprovalStatus": status})
        for status in ("PendingManualApproval", "Approved", "Rejected")
    ],
    "AWS::S3::Bucket": [
        ("aws.s3", "Object Created", {"bucket": {"name": "{name}"}}),
    ],
}  # fmt: skip


def _emitters(view: EnvironmentView, pattern: dict[str, Any]) -> list[str]:
    """Resources of the templates that emit an event the pattern matches."""
    found = []
    for resource in view.resources(*_EVENTS):
        name = view.resource_name(resource)
        for source, detail_type, detail in _EVENTS[resource.type]:
            event = {
                "source": source,
                "detail-type": detail_type,
                "detail": json.loads(json.dumps(detail).replace("{name}", name)),
            }
            try:
                if matches(pattern, event):
                    found.append(resource.label)
                    break
            except UnsupportedFilter:
                break
    return sorted(found)


def _fed_alarms(view: EnvironmentView, policy: RolePolicies) -> list[str]:
    """Alarms on the metric namespaces the role may publish to (``cloudwatch:namespace``)."""
    namespaces = set()
    for statement in policy.identity:
        if statement.effect == "Allow" and statement.covers_action("cloudwatch:PutMetricData"):
            condition = json.loads(statement.condition) if statement.condition else {}
            for test in condition.values():
                value = test.get("cloudwatch:namespace") if isinstance(test, dict) else None
                namespaces.update(value if isinstance(value, list) else [value] if value else [])
    return sorted(
        alarm.label
        for alarm in view.resources("AWS::CloudWatch::Alarm")
        if alarm.properties.get("Namespace") in namespaces
    )
