"""IAM inventory: every role, who may assume it, what it may do; and three plain answers.

The answers ("who can approve a model", "who can deploy to prod", "who can
read each data lake zone") are computed by evaluating every role's identity
policies and permissions boundary against the environment's own resources
(its model package groups, deploy pipelines, endpoints and zone buckets).
They cover the roles the templates define; principals created outside the
platform (account administrators, SSO permission sets) are out of their view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from config import EnvironmentConfig
from config.loop import default_endpoint_name
from tools.audit.policies import RolePolicies, Verdict, flat_permissions, principals, role_policies
from tools.audit.references import EnvironmentView, Resource

APPROVE_ACTION = "sagemaker:UpdateModelPackage"
DEPLOY_ACTIONS = (
    "codepipeline:StartPipelineExecution",
    "codepipeline:PutApprovalResult",
    "sagemaker:CreateEndpoint",
    "sagemaker:UpdateEndpoint",
)
GRANTING = ("allowed", "conditional")


@dataclass(frozen=True)
class Principal:
    """A role as the answers name it: its label, whether people use it, and how."""

    label: str
    kind: str  # "person", "account principal" or "workload"
    description: str
    profiles: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.label,
            "kind": self.kind,
            "description": self.description,
            "studio_profiles": list(self.profiles),
        }


def iam_inventory(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, Any]:
    """The IAM part of the bundle (JSON-ready)."""
    policies = role_policies(view)
    profiles = _profiles_by_role(view)
    people = {p.role.label: _principal(view, p.role, profiles) for p in policies}
    roles = [_role_entry(view, p, people[p.role.label]) for p in policies]
    questions = [
        _approvers(view, policies, people),
        _deployers(view, config, policies, people),
        *_zone_readers(view, config, policies, people),
    ]
    return {"roles": roles, "questions": questions}


def _role_entry(view: EnvironmentView, policies: RolePolicies, who: Principal) -> dict[str, Any]:
    role = policies.role
    trust = []
    document = role.properties.get("AssumeRolePolicyDocument") or {}
    for statement in document.get("Statement", []):
        condition = statement.get("Condition")
        trust.append(
            {
                "effect": statement.get("Effect", "Allow"),
                "actions": view.render_list(role.stack, statement.get("Action", [])),
                "principals": principals(view, role.stack, statement.get("Principal")),
                "condition": view.render(role.stack, condition) if condition else "",
            }
        )
    return {
        **who.as_json(),
        "stack": role.stack.stack_name,
        "name": view.resource_name(role),
        "trust": trust,
        "permissions_boundary": policies.boundary_name,
        "aws_managed_policies": list(policies.external_policies),
        "permissions": flat_permissions(policies.identity),
    }


def _approvers(
    view: EnvironmentView, policies: list[RolePolicies], people: dict[str, Principal]
) -> dict[str, Any]:
    groups = sorted(
        view.resource_name(group) for group in view.resources("AWS::SageMaker::ModelPackageGroup")
    )
    targets = {group: view.pseudo_arn("sagemaker", f"model-package/{group}/1") for group in groups}
    details = _evaluate(policies, {t: [(APPROVE_ACTION, arn)] for t, arn in targets.items()})
    return _answer(
        "Who can approve or reject a model?",
        f"{APPROVE_ACTION} on a model package of each group",
        details,
        people,
    )


def _deployers(
    view: EnvironmentView,
    config: EnvironmentConfig,
    policies: list[RolePolicies],
    people: dict[str, Principal],
) -> dict[str, Any]:
    checks: dict[str, list[tuple[str, str]]] = {}
    for project in config.projects:
        name = f"cd4ml-{config.name}-{project.name}-deploy"
        pipeline = view.pseudo_arn("codepipeline", name)
        endpoint = project.drift.endpoint_name or default_endpoint_name(config.name, project.name)
        endpoint_arn = view.pseudo_arn("sagemaker", f"endpoint/{endpoint}")
        checks[f"{project.name} (endpoint {endpoint})"] = [
            ("codepipeline:StartPipelineExecution", pipeline),
            *(
                ("codepipeline:PutApprovalResult", f"{pipeline}/{step}")
                for step in _approval_steps(view, name)
            ),
            ("sagemaker:CreateEndpoint", endpoint_arn),
            ("sagemaker:UpdateEndpoint", endpoint_arn),
        ]
    return _answer(
        "Who can deploy to prod?",
        "start the project's deploy pipeline, approve its manual approval step, or create "
        "or update its prod endpoint",
        _evaluate(policies, checks),
        people,
    )


def _zone_readers(
    view: EnvironmentView,
    config: EnvironmentConfig,
    policies: list[RolePolicies],
    people: dict[str, Principal],
) -> list[dict[str, Any]]:
    answers = []
    for zone in config.data_lake.zones:
        bucket = _zone_bucket(view, zone)
        if bucket is None:
            continue
        needed = [("s3:GetObject", f"{view.arn(bucket)}/any-object")]
        key = _bucket_key(view, bucket)
        if key is not None:
            needed.append(("kms:Decrypt", view.arn(key)))
        details = _evaluate(policies, {f"{zone} ({bucket.label})": needed}, all_needed=True)
        answers.append(
            _answer(
                f"Who can read the {zone} zone?",
                "s3:GetObject on its objects" + (" and kms:Decrypt on its key" if key else ""),
                details,
                people,
            )
        )
    return answers


def _evaluate(
    policies: list[RolePolicies],
    checks: dict[str, list[tuple[str, str]]],
    *,
    all_needed: bool = False,
) -> list[dict[str, str]]:
    """``{target, role, action, verdict}`` for each role that any (or all) checks grant."""
    details = []
    for target, needed in sorted(checks.items()):
        for policy in policies:
            verdicts: list[tuple[str, Verdict]] = [
                (action, policy.verdict(action, resource)) for action, resource in needed
            ]
            granted = [(a, v) for a, v in verdicts if v in GRANTING]
            if not granted or (all_needed and len(granted) < len(needed)):
                continue
            verdict = "conditional" if any(v == "conditional" for _, v in granted) else "allowed"
            details.append(
                {
                    "target": target,
                    "role": policy.role.label,
                    "actions": ", ".join(a for a, _ in granted),
                    "verdict": verdict,
                }
            )
    return details


def _answer(
    question: str, means: str, details: list[dict[str, str]], people: dict[str, Principal]
) -> dict[str, Any]:
    roles = sorted({d["role"] for d in details})
    persons = [people[r] for r in roles if people[r].kind == "person"]
    others = [people[r] for r in roles if people[r].kind == "account principal"]
    workloads = [people[r] for r in roles if people[r].kind == "workload"]

    def names(group: list[Principal]) -> str:
        return "; ".join(
            p.label + (f" (Studio profiles: {', '.join(p.profiles)})" if p.profiles else "")
            for p in group
        )

    parts = []
    if persons:
        parts.append(f"people through {names(persons)}")
    if others:
        parts.append(f"any principal its trust names, without MFA, through {names(others)}")
    if workloads:
        parts.append(f"automatically, {names(workloads)}")
    return {
        "question": question,
        "means": means,
        "answer": " and ".join(parts) if parts else "no role defined in the templates",
        "people": [p.as_json() for p in persons],
        "account_principals": [p.as_json() for p in others],
        "workloads": [p.as_json() for p in workloads],
        "details": details,
    }


def _principal(view: EnvironmentView, role: Resource, profiles: dict[str, list[str]]) -> Principal:
    document = role.properties.get("AssumeRolePolicyDocument") or {}
    by_principals = [
        "aws:MultiFactorAuthPresent" in json.dumps(statement.get("Condition") or {})
        for statement in document.get("Statement", [])
        if any(
            p.startswith("AWS: ") for p in principals(view, role.stack, statement.get("Principal"))
        )
    ]
    used_by = tuple(sorted(profiles.get(role.label, [])))
    # People sign in with MFA or open Studio with their profile; a role that any
    # principal of an account may assume without MFA is not a person's.
    kind = "workload"
    if by_principals:
        kind = "person" if all(by_principals) else "account principal"
    if used_by:
        kind = "person"
    return Principal(
        label=role.label,
        kind=kind,
        description=view.render(role.stack, role.properties.get("Description", "")),
        profiles=used_by,
    )


def _profiles_by_role(view: EnvironmentView) -> dict[str, list[str]]:
    """Role label -> Studio user profiles whose execution role it is."""
    found: dict[str, list[str]] = {}
    for profile in view.resources("AWS::SageMaker::UserProfile"):
        settings = profile.properties.get("UserSettings") or {}
        role = view.target(profile.stack, settings.get("ExecutionRole"))
        if role is not None:
            name = view.render(profile.stack, profile.properties.get("UserProfileName", ""))
            found.setdefault(role.label, []).append(name)
    return found


def _zone_bucket(view: EnvironmentView, zone: str) -> Resource | None:
    segment = "".join(part.capitalize() for part in zone.split("-")) + "Zone"
    for bucket in view.resources("AWS::S3::Bucket"):
        if f"/{segment}/" in f"/{bucket.label}/":
            return bucket
    return None


def _bucket_key(view: EnvironmentView, bucket: Resource) -> Resource | None:
    encryption = bucket.properties.get("BucketEncryption") or {}
    for rule in encryption.get("ServerSideEncryptionConfiguration", []):
        default = rule.get("ServerSideEncryptionByDefault") or {}
        key = view.target(bucket.stack, default.get("KMSMasterKeyID"))
        if key is not None:
            return key
    return None


def _approval_steps(view: EnvironmentView, pipeline_name: str) -> list[str]:
    """``<stage>/<action>`` of the pipeline's manual approvals; ``*`` when it is not in view."""
    steps = []
    for pipeline in view.resources("AWS::CodePipeline::Pipeline"):
        if view.resource_name(pipeline) != pipeline_name:
            continue
        for stage in pipeline.properties.get("Stages", []):
            for action in stage.get("Actions", []):
                if (action.get("ActionTypeId") or {}).get("Category") == "Approval":
                    steps.append(f"{stage.get('Name')}/{action.get('Name')}")
    return sorted(steps) or ["*"]
