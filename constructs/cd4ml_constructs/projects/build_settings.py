"""What a project's model build passes to its seed code, and where its S3 code lives."""

from __future__ import annotations

from dataclasses import dataclass


def source_key(project: str) -> str:
    """Where an S3-sourced project keeps its model-build code in the artifacts bucket."""
    return f"projects/{project}/source/model-build.zip"


@dataclass(frozen=True)
class BuildSettings:
    """What the build passes to the seed code's ``pipeline.py`` (see the seed's README).

    Strings, so that a project template may fill them from its parameters.
    """

    project: str
    environment: str
    pipeline_name: str
    model_package_group: str
    metric_name: str
    metric_direction: str
    min_threshold: str
    source_kind: str = "s3"
    connection_arn: str | None = None
    repository: str | None = None
    branch: str = "main"
