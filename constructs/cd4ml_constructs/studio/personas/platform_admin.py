"""The platform administrator: operates Studio and MLflow; reads no data, approves nothing."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.model_registry import allow_registry_reading
from cd4ml_constructs.studio.personas.resources import PersonaResources

DESCRIPTION = "Platform administrator: operates Studio and MLflow; no data, no approval"


def grant_platform_admin(role: ManagedPolicyRole, *, resources: PersonaResources) -> None:
    """Read the registry and the SageMaker log groups."""
    allow_registry_reading(role, resources)
    role.allow(
        "Operations",
        actions=[
            "logs:DescribeLogStreams",
            "logs:FilterLogEvents",
            "logs:GetLogEvents",
        ],
        resources=[resources.sagemaker_log_groups_arn],
        reason="Log groups of SageMaker apps and jobs (/aws/sagemaker/...), read only.",
    )


def people_with_mfa() -> iam.IPrincipal:
    """People of this account signed in with MFA."""
    return iam.AccountRootPrincipal().with_conditions(
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    )
