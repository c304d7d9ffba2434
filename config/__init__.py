"""Typed, validated environment settings for CD4ML Platform.

One YAML file per environment lives beside this module; ``sandbox.yaml`` is the
default and needs no AWS account. :func:`load_environment` is the only entry
point: it returns a frozen :class:`EnvironmentConfig` or raises
:class:`ConfigError` with one line that names the file, the key path, the bad
value and what is allowed.
"""

from config.loader import CONFIG_DIR, DEFAULT_ENVIRONMENT, ConfigError, load_environment
from config.model import (
    DataAccessConfig,
    DataLakeConfig,
    EnvironmentConfig,
    InterfaceEndpoint,
    KeysConfig,
    MlflowConfig,
    NetworkConfig,
    StudioConfig,
    TagsConfig,
    UserProfileConfig,
    VpcCreate,
    VpcImport,
    ZoneAccessConfig,
)

__all__ = [
    "CONFIG_DIR",
    "DEFAULT_ENVIRONMENT",
    "ConfigError",
    "DataAccessConfig",
    "DataLakeConfig",
    "EnvironmentConfig",
    "InterfaceEndpoint",
    "KeysConfig",
    "MlflowConfig",
    "NetworkConfig",
    "StudioConfig",
    "TagsConfig",
    "UserProfileConfig",
    "VpcCreate",
    "VpcImport",
    "ZoneAccessConfig",
    "load_environment",
]
