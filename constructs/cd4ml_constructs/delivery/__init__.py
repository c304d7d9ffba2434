"""The platform's own delivery pipeline: CDK Pipelines across the environments' accounts."""

from cd4ml_constructs.delivery.artifact_store import DeliveryArtifactStore
from cd4ml_constructs.delivery.delivery_pipeline import (
    DeliveryPipeline,
    DeliveryStage,
    PipelineSource,
)
from cd4ml_constructs.delivery.key_alarms import DeliveryKeyAlarms
from cd4ml_constructs.delivery.stage_check import CHECK_SCRIPT, StageCheck

__all__ = [
    "CHECK_SCRIPT",
    "DeliveryArtifactStore",
    "DeliveryKeyAlarms",
    "DeliveryPipeline",
    "DeliveryStage",
    "PipelineSource",
    "StageCheck",
]
