"""Placeholder replaced by the model-deploy settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DeployConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    staging_account: str | None = None
    prod_account: str | None = None
