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
from typing import Any

from config import EnvironmentConfig
from tools.audit.answers import Principal, answer, evaluate
from tools.audit.deployers import deployers
from tools.audit.policies import RolePolicies, flat_permissions, principals, role_policies
from tools.audit.references import EnvironmentView, Resource

APPROVE_ACTION = "sagemaker:UpdateModelPackage"


def iam_inventory(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, Any]:
    """The IAM part of the bundle (JSON-ready)."""
    policies = role_policies(view)
    profiles = _profiles_by_role(view)
    people = {p.role.label: _principal(view, p.role, profiles) for p in policies}
    roles = [_role_entry(view, p, people[p.role.label]) for p in policies]
    questions = [
        _approvers(view, policies, people),
        deployers(view, config, policies, people),
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
    details = evaluate(policies, {t: [[(APPROVE_ACTION, arn)]] for t, arn in targets.items()})
    return answer(
        "Who can approve or reject a model?",
        f"{APPROVE_ACTION} on a model package of each group",
        details,
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
        key = _bucket_key(view, bucket)
        decrypt = [("kms:Decrypt", view.arn(key))] if key is not None else []
        whole = f"{zone} ({bucket.label})"
        details = evaluate(
            policies, {whole: [[("s3:GetObject", f"{view.arn(bucket)}/any-object"), *decrypt]]}
        )
        # A role may read part of the zone (a project's build reads its own prefix):
        # each object pattern a policy names in the bucket is asked of every role.
        readers = {d["role"] for d in details}
        prefixes = {
            f"{zone} ({bucket.label}, objects {pattern.removeprefix(view.arn(bucket))})": [
                [("s3:GetObject", pattern.replace("*", "any").replace("?", "x")), *decrypt]
            ]
            for pattern in _object_patterns(policies, view.arn(bucket))
        }
        details += evaluate(policies, prefixes, mechanism=dict.fromkeys(prefixes, readers))
        answers.append(
            answer(
                f"Who can read the {zone} zone?",
                "s3:GetObject on its objects (all of them, or those under a prefix)"
                + (" and kms:Decrypt on its key" if key else ""),
                details,
                people,
            )
        )
    return answers


def _object_patterns(policies: list[RolePolicies], bucket_arn: str) -> list[str]:
    """Object patterns narrower than the whole bucket that some Allow names for s3:GetObject."""
    return sorted(
        {
            resource
            for policy in policies
            for statement in policy.identity
            if statement.effect == "Allow" and statement.covers_action("s3:GetObject")
            for resource in statement.resources
            if resource.startswith(f"{bucket_arn}/") and resource != f"{bucket_arn}/*"
        }
    )


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
