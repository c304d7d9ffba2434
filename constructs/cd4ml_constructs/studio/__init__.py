"""SageMaker Studio for ML teams: personas, permissions boundary, domain, profiles, MLflow."""

from cd4ml_constructs.studio.domain import (
    IdleShutdown,
    NotebookSharing,
    SpaceDefaults,
    StudioDomain,
    StudioUserProfile,
)
from cd4ml_constructs.studio.mlflow import MlflowTrackingServer
from cd4ml_constructs.studio.permissions_boundary import PlatformPermissionsBoundary
from cd4ml_constructs.studio.personas import PlatformPersonas, ZoneGrants

__all__ = [
    "IdleShutdown",
    "MlflowTrackingServer",
    "NotebookSharing",
    "PlatformPermissionsBoundary",
    "PlatformPersonas",
    "SpaceDefaults",
    "StudioDomain",
    "StudioUserProfile",
    "ZoneGrants",
]
