"""What the IAM answers share: who a role is for, and which roles a set of routes grants.

A route is the list of (action, resource) a role needs together to reach a
target (reading a zone takes ``s3:GetObject`` on its objects and
``kms:Decrypt`` on its key); a target is reached when any of its routes is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.audit.policies import RolePolicies, Verdict

GRANTING = ("allowed", "conditional")
Route = Sequence[tuple[str, str]]


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


def evaluate(
    policies: list[RolePolicies],
    routes: Mapping[str, Sequence[Route]],
    *,
    mechanism: Mapping[str, set[str]] | None = None,
) -> list[dict[str, str]]:
    """``{target, role, actions, verdict}`` for each role that one of a target's routes grants.

    :param mechanism: per target, roles that are the route itself (the roles a deploy
        pipeline runs as): reported with the route, not as one more role that reaches it.
    """
    details = []
    for target, options in sorted(routes.items()):
        skip = (mechanism or {}).get(target, set())
        for policy in policies:
            if policy.role.label in skip:
                continue
            granted: list[tuple[str, Verdict]] = []
            for route in options:
                verdicts = [
                    (action, policy.verdict(action, resource)) for action, resource in route
                ]
                if all(v in GRANTING for _, v in verdicts):
                    granted += verdicts
            if not granted:
                continue
            verdict = "conditional" if any(v == "conditional" for _, v in granted) else "allowed"
            actions = list(dict.fromkeys(a for a, _ in granted))
            details.append(
                {
                    "target": target,
                    "role": policy.role.label,
                    "actions": ", ".join(actions),
                    "verdict": verdict,
                }
            )
    return details


def answer(
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
