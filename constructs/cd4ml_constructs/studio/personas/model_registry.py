"""What builders, the approver and the administrator may do in the model registry."""

from __future__ import annotations

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.resources import PersonaResources


def allow_registration(role: ManagedPolicyRole, resources: PersonaResources) -> None:
    """Register model packages in the platform's groups (pending approval), and read them."""
    role.allow(
        "ModelRegistry",
        actions=[
            "sagemaker:AddTags",
            "sagemaker:CreateModelPackage",
            "sagemaker:DescribeModelPackage",
        ],
        resources=[resources.model_packages_arn],
        reason="Model packages of the platform's groups (cd4ml-<env>-*); they are "
        "registered pending approval.",
    )
    allow_registry_reading(role, resources)


def allow_registry_reading(role: ManagedPolicyRole, resources: PersonaResources) -> None:
    """Describe the platform's model package groups; list groups and packages."""
    role.allow(
        "ModelRegistry",
        actions=["sagemaker:DescribeModelPackageGroup"],
        resources=[resources.model_package_groups_arn],
        reason="Model package groups of this platform only (named cd4ml-<env>-*).",
    )
    role.allow(
        "ModelRegistry",
        actions=["sagemaker:ListModelPackageGroups", "sagemaker:ListModelPackages"],
        resources=["*"],
        reason="Listing model packages and groups supports no resource-level permissions.",
    )
