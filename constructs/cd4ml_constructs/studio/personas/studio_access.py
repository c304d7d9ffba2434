"""Use of the Studio domain and of the MLflow tracking server, per persona."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.actions import MLFLOW_TRACKING_ACTIONS, STUDIO_SPACE_ACTIONS
from cd4ml_constructs.studio.personas.resources import PersonaResources, sagemaker_arn


def allow_studio_domain(
    *,
    studio_roles: Iterable[ManagedPolicyRole],
    platform_admin: ManagedPolicyRole,
    resources: PersonaResources,
    domain_id: str,
) -> None:
    """Studio personas: own private spaces, shared spaces, apps; the administrator: teardown."""
    arn = resources.domain_arns(domain_id)
    own_profile = sagemaker_arn(
        resources.stack, "user-profile", f"{domain_id}/${{sagemaker:UserProfileName}}"
    )
    spaces = (
        (
            {"ArnLike": {"sagemaker:OwnerUserProfileArn": own_profile}},
            "Spaces and apps of this Studio domain owned by the caller's own profile.",
        ),
        (
            {"Null": {"sagemaker:OwnerUserProfileArn": "true"}},
            "Shared spaces (no owner) of this Studio domain and their apps.",
        ),
    )
    for role in studio_roles:
        _allow_studio_reading(role, "StudioSpaces", arn)
        for conditions, reason in spaces:
            role.allow(
                "StudioSpaces",
                actions=STUDIO_SPACE_ACTIONS,
                resources=[arn["space"], arn["app"]],
                conditions=conditions,
                reason=reason,
            )
        role.allow(
            "StudioSpaces",
            actions=["sagemaker:AddTags"],
            resources=[arn["space"], arn["app"]],
            conditions={"Null": {"sagemaker:TaggingAction": "false"}},
            reason="Studio tags the spaces and apps it creates in this domain, at creation.",
        )
    _allow_studio_reading(platform_admin, "StudioOperations", arn)
    platform_admin.allow(
        "StudioOperations",
        actions=["sagemaker:DeleteApp", "sagemaker:DeleteSpace"],
        resources=[arn["space"], arn["app"]],
        reason="Apps and spaces of this Studio domain, deleted before a profile is removed.",
    )


def allow_mlflow_tracking(
    *,
    trackers: Iterable[ManagedPolicyRole],
    platform_admin: ManagedPolicyRole,
    tracking_server_arn: str,
) -> None:
    """Trackers log experiments on the server; the administrator starts and stops it."""
    for role in trackers:
        role.allow(
            "ExperimentTracking",
            actions=[
                *MLFLOW_TRACKING_ACTIONS,
                "sagemaker:CreatePresignedMlflowTrackingServerUrl",
                "sagemaker:DescribeMlflowTrackingServer",
            ],
            resources=[tracking_server_arn],
        )
        role.allow(
            "ExperimentTracking",
            actions=["sagemaker:ListMlflowTrackingServers"],
            resources=["*"],
            reason="Listing MLflow tracking servers supports no resource-level permissions.",
        )
    platform_admin.allow(
        "TrackingServerOperations",
        actions=[
            "sagemaker:DescribeMlflowTrackingServer",
            "sagemaker:StartMlflowTrackingServer",
            "sagemaker:StopMlflowTrackingServer",
        ],
        resources=[tracking_server_arn],
    )


def _allow_studio_reading(role: ManagedPolicyRole, purpose: str, arn: Mapping[str, str]) -> None:
    role.allow(
        purpose,
        actions=[
            "sagemaker:DescribeApp",
            "sagemaker:DescribeDomain",
            "sagemaker:DescribeSpace",
            "sagemaker:DescribeUserProfile",
            "sagemaker:ListTags",
        ],
        resources=[arn["domain"], arn["user-profile"], arn["space"], arn["app"]],
        reason="User profiles, spaces and apps of this Studio domain only (its domain id).",
    )
    role.allow(
        purpose,
        actions=[
            "sagemaker:ListApps",
            "sagemaker:ListDomains",
            "sagemaker:ListSpaces",
            "sagemaker:ListUserProfiles",
        ],
        resources=["*"],
        reason="Listing Studio domains, profiles, spaces and apps supports no resource-level "
        "permissions.",
    )
