"""The SageMaker SDK session a definition is built with: it starts no job and calls no API.

Building a definition offline needs the region set before the SDK is imported,
``SAGEMAKER_VALIDATE_ROLE=false``, S3 URIs for all code, and telemetry off
(it would send a request per SDK call); ``pipeline.py`` sets the first two.
"""

from __future__ import annotations

from typing import Any, Final

import boto3
from sagemaker.core.config.config_manager import SageMakerConfig
from sagemaker.core.workflow.pipeline_context import PipelineSession

from build_pipeline.settings import BuildSettings

# Telemetry off: a definition is built without any network call.
SDK_CONFIG: Final = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}


def pipeline_session(settings: BuildSettings) -> PipelineSession:
    """A session that records step arguments instead of starting jobs (telemetry off)."""
    _validate_sdk_config_once()
    return PipelineSession(
        boto_session=boto3.Session(region_name=settings.region),
        default_bucket=settings.artifacts_bucket,
        sagemaker_config=SDK_CONFIG,
    )


def _validate_sdk_config_once() -> None:
    """Validate each SDK config object once, not on every lookup.

    The SDK checks its config against its JSON schema (the schema itself
    included) on every value it looks up: about 60 lookups of 0.1-0.4 s each per
    definition, 80 % of the time a definition takes.
    """
    validate = SageMakerConfig.validate_sagemaker_config
    if getattr(validate, "validates_once", False):
        return
    validated: list[object] = []

    def once(sagemaker_config: dict[str, Any] | None = None) -> None:
        if not any(config is sagemaker_config for config in validated):
            validate(sagemaker_config)
            validated.append(sagemaker_config)

    once.validates_once = True  # type: ignore[attr-defined]
    SageMakerConfig.validate_sagemaker_config = staticmethod(once)
