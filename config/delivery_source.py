"""Where the delivery pipeline reads the source: an S3 zip, CodeConnections or CodeCommit."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:"
    r"connection/[0-9a-f-]{36}$"
)
_GIT_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_CODECOMMIT_REPOSITORY = re.compile(r"^[\w.-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")
_OBJECT_KEY = re.compile(r"^[A-Za-z0-9!_.*'()/-]{1,1000}\.zip$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class SourceError(ValueError):
    """A cross-field error naming the key (relative to its model) at fault, as config/ expects."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(allowed)
        self.key = key
        self.value = value
        self.allowed = allowed


class SourceConfig(_Model):
    """Where the pipeline reads the platform's source.

    ``s3`` (default): a zip of the repository uploaded to ``object_key`` in the
    pipeline's own source bucket; needs no Git provider. ``codeconnections``:
    ``repository`` (owner/name) on GitHub, GitLab or Bitbucket through the
    connection ``connection_arn`` (created and approved by hand).
    ``codecommit``: ``repository`` (a name) in the tooling account.
    """

    kind: Literal["s3", "codeconnections", "codecommit"] = "s3"
    object_key: str = Field(
        default="cd4ml-platform/source.zip", description="s3: key of the zip in the source bucket"
    )
    connection_arn: str | None = Field(default=None, description="codeconnections: connection")
    repository: str | None = Field(default=None, description="repository the pipeline follows")
    branch: str = Field(default="main", description="branch the pipeline follows")

    @field_validator("object_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _OBJECT_KEY.match(value) or value.startswith("/"):
            raise ValueError("must be an S3 object key ending in .zip, without a leading '/'")
        return value

    @field_validator("connection_arn")
    @classmethod
    def _arn(cls, value: str | None) -> str | None:
        if value is not None and not _CONNECTION_ARN.match(value):
            raise ValueError(
                "must be a connection ARN: arn:aws:codeconnections:<region>:<account>:"
                "connection/<id>"
            )
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not _BRANCH.match(value) or value.startswith(("/", "-")) or ".." in value:
            raise ValueError("must be a git branch name")
        return value

    @model_validator(mode="after")
    def _fits_kind(self) -> SourceConfig:
        if self.kind == "s3":
            for key in ("connection_arn", "repository"):
                if getattr(self, key) is not None:
                    raise SourceError(
                        key, getattr(self, key), "only with kind codeconnections or codecommit"
                    )
            return self
        if self.kind == "codeconnections" and self.connection_arn is None:
            raise SourceError("connection_arn", None, "required with kind codeconnections")
        if self.kind == "codecommit" and self.connection_arn is not None:
            raise SourceError("connection_arn", self.connection_arn, "only with codeconnections")
        pattern, allowed = (
            (_GIT_REPOSITORY, "owner/name of the repository")
            if self.kind == "codeconnections"
            else (_CODECOMMIT_REPOSITORY, "a CodeCommit repository name: letters, digits, . _ -")
        )
        if self.repository is None or not pattern.match(self.repository):
            raise SourceError("repository", self.repository, f"{allowed} (kind {self.kind})")
        return self
