"""Who may use a key directly, by its key policy: not through a service on their behalf.

A key policy statement grants direct use when it allows a use action
(encrypt, decrypt, generate data keys, re-encrypt) to an IAM principal with
no ``kms:ViaService`` condition: the principal calls KMS itself, with any
data. Use through a service (``kms:ViaService``) and service principals
(CloudWatch Logs, SNS) are how the platform's stores use their keys, and
are not listed here.
"""

from __future__ import annotations

from typing import Any

from tools.audit.references import EnvironmentView, Resource

USE_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt")


def direct_users(view: EnvironmentView, key: Resource) -> list[dict[str, str]]:
    """``{principal, name, actions}`` for each IAM principal a statement lets use ``key``."""
    users = []
    policy = key.properties.get("KeyPolicy") or {}
    for statement in _as_list(policy.get("Statement")):
        if statement.get("Effect", "Allow") != "Allow" or _via_service(statement):
            continue
        actions = [a for a in _as_list(statement.get("Action")) if _is_use(a)]
        principal = statement.get("Principal")
        if not actions or not isinstance(principal, dict) or "AWS" not in principal:
            continue
        for value in _as_list(principal["AWS"]):
            target = view.target(key.stack, value)
            users.append(
                {
                    "principal": target.label if target else view.render(key.stack, value),
                    "name": view.resource_name(target) if target else "",
                    "actions": ", ".join(sorted(actions)),
                }
            )
    return sorted(users, key=lambda u: u["principal"])


def _is_use(action: str) -> bool:
    return action in ("*", "kms:*") or action.startswith(USE_ACTIONS)


def _via_service(statement: dict[str, Any]) -> bool:
    return any("kms:viaservice" in key.lower() for key in _condition_keys(statement))


def _condition_keys(statement: dict[str, Any]) -> list[str]:
    return [key for block in (statement.get("Condition") or {}).values() for key in block]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
