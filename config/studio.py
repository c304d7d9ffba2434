"""The SageMaker Studio domain, its personas, user profiles and experiment tracking."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.base import TAG_VALUE, SettingError, StrictModel

# Personas of the platform. The first three work in SageMaker Studio, each
# through its own execution role; the platform administrator is a role that
# people assume and has no Studio profile.
PERSONAS: tuple[str, ...] = ("data_scientist", "ml_engineer", "model_approver", "platform_admin")
STUDIO_PERSONAS: tuple[str, ...] = PERSONAS[:3]

# Interface endpoints a VpcOnly Studio domain needs to work without internet
# access, and those the managed MLflow tracking server adds (its own
# PrivateLink service, reached by the SDK from inside the VPC).
STUDIO_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sagemaker.studio",
    "sts",
    "logs",
)
MLFLOW_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "sagemaker.experiments")

_PROFILE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_MAINTENANCE_WINDOW = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):[0-5]\d$")


class UserProfileConfig(StrictModel):
    """One person's Studio user profile; the persona decides its execution role."""

    user_name: str = Field(description="profile name: 1-63 letters, digits or '-'")
    persona: str = Field(description="data_scientist, ml_engineer or model_approver")
    team: str = Field(description="the person's team; tagged on the profile and its apps")


class ZoneAccessConfig(StrictModel):
    """The data lake zones one persona may read, and those it may also write."""

    read: tuple[str, ...] = Field(description="zones read (get and list objects)")
    write: tuple[str, ...] = Field(default=(), description="zones read and written")


class DataAccessConfig(StrictModel):
    """Data lake access of the personas that build models.

    The model approver and the platform administrator never read the lake.
    """

    data_scientist: ZoneAccessConfig = ZoneAccessConfig(
        read=("curated", "features"), write=("features",)
    )
    ml_engineer: ZoneAccessConfig = ZoneAccessConfig(
        read=("raw", "curated", "features"), write=("curated", "features")
    )


class MlflowConfig(StrictModel):
    """The SageMaker managed MLflow tracking server (bills by the hour while it runs)."""

    enabled: bool = Field(default=False, description="create the tracking server")
    size: Literal["Small", "Medium", "Large"] = Field(
        default="Small", description="tracking server size"
    )
    weekly_maintenance_window_start: str = Field(
        default="Sun:02:00", description="UTC start of the weekly maintenance window"
    )

    @field_validator("weekly_maintenance_window_start")
    @classmethod
    def _window(cls, value: str) -> str:
        if not _MAINTENANCE_WINDOW.match(value):
            raise ValueError("must be Ddd:HH:MM in UTC, for example Sun:02:00")
        return value


class StudioConfig(StrictModel):
    """The SageMaker Studio domain (VpcOnly), its user profiles and experiment tracking.

    Off unless asked for: the domain needs the interface endpoints of
    :data:`STUDIO_ENDPOINTS`, which bill per AZ. The persona roles exist either way.
    """

    enabled: bool = Field(
        default=False,
        description="create the Studio domain and profiles (needs the Studio endpoints)",
    )
    idle_timeout_minutes: int = Field(
        default=60, ge=60, le=525600, description="idle JupyterLab and Code Editor apps stop"
    )
    max_idle_timeout_minutes: int = Field(
        default=240, ge=60, le=525600, description="the longest idle timeout a user may choose"
    )
    default_instance_type: str = Field(
        default="ml.t3.medium", description="instance type of new JupyterLab and Code Editor apps"
    )
    space_volume_gb: int = Field(default=5, ge=5, le=16384, description="EBS size of a new space")
    max_space_volume_gb: int = Field(
        default=100, ge=5, le=16384, description="largest EBS size a user may give a space"
    )
    notebook_sharing: bool = Field(
        default=False,
        description="allow sharing notebooks with outputs, to an encrypted artifacts prefix",
    )
    data_access: DataAccessConfig = DataAccessConfig()
    user_profiles: tuple[UserProfileConfig, ...] = ()
    mlflow: MlflowConfig = MlflowConfig()

    @field_validator("default_instance_type")
    @classmethod
    def _instance_type(cls, value: str) -> str:
        if not _INSTANCE_TYPE.match(value):
            raise ValueError("must be a SageMaker instance type such as ml.t3.medium")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> StudioConfig:
        if self.max_idle_timeout_minutes < self.idle_timeout_minutes:
            raise SettingError(
                "max_idle_timeout_minutes",
                self.max_idle_timeout_minutes,
                f"at least idle_timeout_minutes ({self.idle_timeout_minutes})",
            )
        if self.max_space_volume_gb < self.space_volume_gb:
            raise SettingError(
                "max_space_volume_gb",
                self.max_space_volume_gb,
                f"at least space_volume_gb ({self.space_volume_gb})",
            )
        if self.user_profiles and not self.enabled:
            raise SettingError(
                "user_profiles",
                [profile.user_name for profile in self.user_profiles],
                "none while studio.enabled is false (profiles live in the Studio domain)",
            )
        first_use: dict[str, int] = {}
        for index, profile in enumerate(self.user_profiles):
            where = f"user_profiles[{index}]"
            if not _PROFILE_NAME.match(profile.user_name):
                raise SettingError(
                    f"{where}.user_name",
                    profile.user_name,
                    "1-63 letters, digits or '-', starting and ending with a letter or digit",
                )
            if profile.user_name in first_use:
                raise SettingError(
                    f"{where}.user_name",
                    profile.user_name,
                    f"a name not used before; user_profiles[{first_use[profile.user_name]}] "
                    "has it already",
                )
            first_use[profile.user_name] = index
            if profile.persona not in STUDIO_PERSONAS:
                raise SettingError(
                    f"{where}.persona",
                    profile.persona,
                    f"one of {', '.join(STUDIO_PERSONAS)} (platform_admin is a role people "
                    "assume, not a Studio profile)",
                )
            if not TAG_VALUE.match(profile.team):
                raise SettingError(
                    f"{where}.team",
                    profile.team,
                    "1-256 characters of letters, digits, spaces and _ . : / = + - @",
                )
        return self
