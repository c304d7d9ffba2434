"""Where a project's model-build code comes from: an S3 zip, a Git provider, or CodeCommit."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.base import SettingError, StrictModel

_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)
_GIT_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_CODECOMMIT_REPOSITORY = re.compile(r"^[\w.-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,255}$")


class SourceConfig(StrictModel):
    """The source stage of a project's model-build CodePipeline.

    ``s3`` (default) needs nothing else in the account: the team's code is a
    zip at ``projects/<project>/source/model-build.zip`` in the platform's
    artifacts bucket, seeded with the platform's seed code when the project is
    created. ``codeconnections`` reads a GitHub, GitLab or Bitbucket
    repository through a CodeConnections connection; ``codecommit`` creates a
    CodeCommit repository seeded with the seed code.
    """

    kind: Literal["s3", "codeconnections", "codecommit"] = Field(
        default="s3", description="s3, codeconnections or codecommit"
    )
    connection_arn: str | None = Field(
        default=None, description="CodeConnections connection ARN, with kind codeconnections"
    )
    repository: str | None = Field(
        default=None,
        description="owner/name with codeconnections; the repository name with codecommit "
        "(default cd4ml-<env>-<project>-model-build)",
    )
    branch: str = Field(default="main", description="branch that builds the pipeline")

    @field_validator("connection_arn")
    @classmethod
    def _connection(cls, value: str | None) -> str | None:
        if value is not None and not _CONNECTION_ARN.match(value):
            raise ValueError(
                "must be a connection ARN: arn:aws:codeconnections:<region>:<account>:"
                "connection/<uuid>"
            )
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        if not _BRANCH.match(value) or ".." in value or value.endswith("/"):
            raise ValueError("must be a Git branch name: letters, digits and . _ / -")
        return value

    @model_validator(mode="after")
    def _kind_settings(self) -> SourceConfig:
        if self.kind == "codeconnections":
            if self.connection_arn is None:
                raise SettingError(
                    "connection_arn",
                    None,
                    "a CodeConnections connection ARN with kind codeconnections",
                )
            if self.repository is None or not _GIT_REPOSITORY.match(self.repository):
                raise SettingError(
                    "repository", self.repository, "owner/name of the Git repository"
                )
        elif self.connection_arn is not None:
            raise SettingError(
                "connection_arn", self.connection_arn, f"nothing with kind {self.kind}"
            )
        if (
            self.kind == "codecommit"
            and self.repository is not None
            and not _CODECOMMIT_REPOSITORY.match(self.repository)
        ):
            raise SettingError(
                "repository",
                self.repository,
                "a CodeCommit repository name: 1-100 letters, digits, _ . -",
            )
        if self.kind == "s3" and self.repository is not None:
            raise SettingError("repository", self.repository, "nothing with kind s3")
        return self
