"""Placeholder replaced by the model-deploy pipeline."""

from __future__ import annotations

from typing import Any

from constructs import Construct


class ModelDeployPipeline(Construct):
    def __init__(self, scope: Construct, id: str, **_props: Any) -> None:
        super().__init__(scope, id)
