"""Every IAM role and user in the platform's templates has a permissions boundary."""

from __future__ import annotations

from cd4ml_constructs.compliance.rules.rule import (
    Finding,
    Rule,
    RuleContext,
    Template,
    resources_of_type,
)


def _check(template: Template, _context: RuleContext) -> list[Finding]:
    return [
        Finding(logical_id, "Properties/PermissionsBoundary", "no permissions boundary")
        for logical_id, properties in resources_of_type(
            template, "AWS::IAM::Role", "AWS::IAM::User"
        )
        if not properties.get("PermissionsBoundary")
    ]


RULE = Rule(
    name="RolePermissionsBoundary",
    description="Every IAM role and user has a PermissionsBoundary.",
    reason=(
        "The platform's permissions boundary caps what any role it creates can ever be granted "
        "and denies privilege escalation (roles without the boundary, removing it, rewriting "
        "key policies); a role without it escapes that cap."
    ),
    check=_check,
)
