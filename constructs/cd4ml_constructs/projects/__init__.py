"""Constructs of the ML projects: the platform contract, model build and model deploy."""

from cd4ml_constructs.projects.deploy_pipeline import ModelDeployPipeline
from cd4ml_constructs.projects.model_build_pipeline import BuildSettings, ModelBuildPipeline
from cd4ml_constructs.projects.platform_contract import (
    PARAMETERS,
    PlatformParameters,
    PlatformValues,
    import_platform,
    parameter_name,
    workload_security_group,
)
from cd4ml_constructs.projects.project_resources import MlProjectResources

__all__ = [
    "PARAMETERS",
    "BuildSettings",
    "MlProjectResources",
    "ModelBuildPipeline",
    "ModelDeployPipeline",
    "PlatformParameters",
    "PlatformValues",
    "import_platform",
    "parameter_name",
    "workload_security_group",
]
