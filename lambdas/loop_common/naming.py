"""Naming conventions shared by the CDK app and the loop functions.

Every per-project resource name is derived from the environment's resource
prefix and the project name; the functions read them backwards to find which
project an event is about. ``request_token`` derives the idempotency tokens
sent to SageMaker and CodePipeline from an event id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

PROJECT_NAME = re.compile(r"[a-z][a-z0-9-]{1,30}")
"""What a project name may look like: 2-31 lowercase letters, digits or '-'."""

BUILD_PIPELINE_SUFFIX = "-build"
DEPLOY_PIPELINE_SUFFIX = "-deploy"
DRIFT_ALARM_SUFFIX = "-drift"
NOTIFICATION_TOPIC_SUFFIX = "-notifications"


def is_project_name(value: str) -> bool:
    """True when ``value`` is a well-formed project name."""
    return bool(PROJECT_NAME.fullmatch(value))


def raw_data_prefix(project: str) -> str:
    """Key prefix of the project's objects in the raw data bucket, e.g. ``churn/``."""
    return f"{project}/"


def project_from_raw_key(key: str) -> str | None:
    """The project owning a raw-zone object key (its first path segment), if well formed."""
    project, separator, _rest = key.partition("/")
    if not separator or not is_project_name(project):
        return None
    return project


@dataclass(frozen=True)
class ResourceNames:
    """Derives and reads back the names of a project's resources.

    Attributes:
        prefix: the environment's resource prefix, e.g. ``cd4ml-sandbox``.
    """

    prefix: str

    def model_package_group(self, project: str) -> str:
        """``{prefix}-{project}``: the project's model package group."""
        return f"{self.prefix}-{project}"

    def build_pipeline(self, project: str) -> str:
        """``{prefix}-{project}-build``: the project's SageMaker model-build pipeline."""
        return f"{self.prefix}-{project}{BUILD_PIPELINE_SUFFIX}"

    def deploy_pipeline(self, project: str) -> str:
        """``{prefix}-{project}-deploy``: the project's model-deploy CodePipeline."""
        return f"{self.prefix}-{project}{DEPLOY_PIPELINE_SUFFIX}"

    def drift_alarm(self, project: str) -> str:
        """``{prefix}-{project}-drift``: the project's drift alarm."""
        return f"{self.prefix}-{project}{DRIFT_ALARM_SUFFIX}"

    def notification_topic(self, project: str) -> str:
        """``{prefix}-{project}-notifications``: the project team's SNS topic."""
        return f"{self.prefix}-{project}{NOTIFICATION_TOPIC_SUFFIX}"

    def project_from_model_package_group(self, name: str) -> str | None:
        """The project a model package group belongs to, or None if it is not ours."""
        return self._project_between(name, "")

    def project_from_build_pipeline(self, name: str) -> str | None:
        """The project a model-build pipeline belongs to, or None if it is not ours."""
        return self._project_between(name, BUILD_PIPELINE_SUFFIX)

    def project_from_drift_alarm(self, name: str) -> str | None:
        """The project a drift alarm belongs to, or None if it is not ours."""
        return self._project_between(name, DRIFT_ALARM_SUFFIX)

    def _project_between(self, name: str, suffix: str) -> str | None:
        head = f"{self.prefix}-"
        if not name.startswith(head) or not name.endswith(suffix):
            return None
        project = name[len(head) : len(name) - len(suffix)]
        return project if is_project_name(project) else None


@dataclass(frozen=True)
class Arn:
    """The parts of an Amazon Resource Name."""

    partition: str
    service: str
    region: str
    account: str
    resource: str


_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[0-9]{12}|):(?P<resource>[!-~]+)"
)


def parse_arn(value: str) -> Arn | None:
    """Split ``value`` into its ARN parts, or return None when it is not an ARN."""
    match = _ARN.fullmatch(value)
    if match is None:
        return None
    return Arn(**match.groupdict())


def request_token(purpose: str, event_id: str) -> str:
    """A deterministic idempotency token for one action taken on behalf of one event.

    The token is 64 lowercase hex characters, which fits both SageMaker's
    ``ClientRequestToken`` (32-128 characters) and CodePipeline's
    ``clientRequestToken`` (``[a-zA-Z0-9-]{1,128}``). ``purpose`` keeps the
    tokens of different actions taken for the same event apart.
    """
    return hashlib.sha256(f"cd4ml:{purpose}:{event_id}".encode()).hexdigest()
