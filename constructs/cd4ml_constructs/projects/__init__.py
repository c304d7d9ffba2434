"""Constructs of one ML project: its pipelines and the roles they deploy with."""

from cd4ml_constructs.projects.deploy_pipeline import ModelDeployPipeline

__all__ = ["ModelDeployPipeline"]
