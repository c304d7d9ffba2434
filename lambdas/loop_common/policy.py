"""A project's policy: the thresholds and switches the loop applies to it.

The policy is one SSM String parameter per project, at
``{POLICY_PARAMETER_PREFIX}{project}``, holding JSON. It is parsed strictly:
an unknown, missing or mistyped field, a name that does not follow the naming
conventions, or a policy filed under another project's name is a
``PolicyError``. A warm container reuses what it read for a short time.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from botocore.exceptions import ClientError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from loop_common.metric_ranges import DEFAULT_VALID_RANGES
from loop_common.naming import ResourceNames, is_project_name, parse_arn, raw_data_prefix

if TYPE_CHECKING:
    from botocore.client import BaseClient

SUPPORTED_SCHEMA_VERSION = 1

_TOPIC_ARN = re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")
_METRIC_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class PolicyError(RuntimeError):
    """A project's policy parameter exists but cannot be used as it stands."""

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"policy {parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class MetricPolicy(_PolicyModel):
    """The evaluation metric the quality gate judges a model on.

    Attributes:
        name: key of the metric in the evaluation report, e.g. ``auc`` or ``rmse``.
        direction: ``higher`` when a larger value is better, ``lower`` otherwise.
        valid_min: the lowest value the metric can take (inclusive); default from
            ``DEFAULT_VALID_RANGES`` for well-known names (0 for ``auc`` and
            ``rmse``), else unbounded.
        valid_max: the highest value it can take (inclusive); default 1 for
            ``auc``-like metrics and ``r2``, else unbounded.
    """

    name: str
    direction: Literal["higher", "lower"]
    valid_min: float | None = None
    valid_max: float | None = None

    @model_validator(mode="after")
    def _range(self) -> MetricPolicy:
        low, high = self.valid_range
        if not low < high:
            raise ValueError(f"valid_min {low} must be below valid_max {high}")
        return self

    @property
    def valid_range(self) -> tuple[float, float]:
        """``(lowest, highest)`` value the metric can take, both inclusive."""
        low, high = DEFAULT_VALID_RANGES.get(self.name.lower(), (-math.inf, math.inf))
        return (
            low if self.valid_min is None else self.valid_min,
            high if self.valid_max is None else self.valid_max,
        )

    def can_be(self, value: float) -> bool:
        """True when ``value`` lies within the metric's valid range."""
        low, high = self.valid_range
        return low <= value <= high

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _METRIC_NAME.fullmatch(value):
            raise ValueError("must be 1-128 letters, digits or _.:-")
        return value


class RetrainPolicy(_PolicyModel):
    """When the retrain trigger may start the model-build pipeline.

    Attributes:
        enabled: False stops every automatic retrain of the project.
        cooldown_minutes: minimum time between the starts of two build runs.
        raw_prefix: only new objects under this key prefix of the raw bucket
            trigger a retrain; it lies within ``{project}/``.
    """

    enabled: bool
    cooldown_minutes: int = Field(ge=0, le=43200)
    raw_prefix: str = Field(min_length=1, max_length=1024)


class ProjectPolicy(_PolicyModel):
    """One project's policy, schema version 1 (see ``README.md`` for an example).

    ``min_threshold`` is the worst acceptable metric value: a floor when higher
    is better, a ceiling when lower is better. ``min_improvement`` is how much
    better than the current champion a candidate must be (0 allows a tie).
    """

    schema_version: int
    project: str
    team: str = Field(min_length=1, max_length=128)
    model_package_group: str
    metric: MetricPolicy
    min_threshold: float
    min_improvement: float = Field(ge=0)
    approval_mode: Literal["auto", "manual"]
    retrain: RetrainPolicy
    model_build_pipeline: str
    deploy_pipeline: str
    notification_topic_arn: str
    drift_alarm_name: str

    @field_validator("schema_version")
    @classmethod
    def _schema_version(cls, value: int) -> int:
        if value != SUPPORTED_SCHEMA_VERSION:
            raise ValueError(f"must be {SUPPORTED_SCHEMA_VERSION}")
        return value

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not is_project_name(value):
            raise ValueError(
                "must be 2-31 lowercase letters, digits or '-', starting with a letter"
            )
        return value

    @field_validator("notification_topic_arn")
    @classmethod
    def _topic(cls, value: str) -> str:
        if not _TOPIC_ARN.fullmatch(value):
            raise ValueError("must be an SNS topic ARN")
        return value


def check_policy_names(policy: ProjectPolicy, project: str, names: ResourceNames) -> None:
    """Raise ``ValueError`` when the policy is not ``project``'s or breaks a naming convention.

    A policy naming another project's pipeline, group or topic would let one
    project's events act on another's resources (or tell another team); the
    names are therefore not free choices.
    """
    expected = {
        "project": project,
        "model_package_group": names.model_package_group(project),
        "model_build_pipeline": names.build_pipeline(project),
        "deploy_pipeline": names.deploy_pipeline(project),
        "drift_alarm_name": names.drift_alarm(project),
    }
    topic = parse_arn(policy.notification_topic_arn)
    topic_name = topic.resource if topic is not None else ""
    if topic_name != names.notification_topic(project):
        raise ValueError(
            f"notification_topic_arn names topic {topic_name!r}; "
            f"expected {names.notification_topic(project)!r}"
        )
    for key, value in expected.items():
        actual = getattr(policy, key)
        if actual != value:
            raise ValueError(f"{key} is {actual!r}; expected {value!r}")
    if not policy.retrain.raw_prefix.startswith(raw_data_prefix(project)):
        raise ValueError(
            f"retrain.raw_prefix is {policy.retrain.raw_prefix!r}; "
            f"expected a prefix within {raw_data_prefix(project)!r}"
        )


def check_topic_account(policy: ProjectPolicy, account: str) -> None:
    """Raise ``PolicyError`` when the policy's topic lies in another account than ``account``."""
    topic = parse_arn(policy.notification_topic_arn)
    if topic is None or topic.account != account:
        raise PolicyError(
            policy.project,
            f"notification_topic_arn {policy.notification_topic_arn!r} is not in account {account}",
        )


def parse_policy(text: str, *, parameter: str, project: str, names: ResourceNames) -> ProjectPolicy:
    """Parse and check the JSON text of ``project``'s policy parameter."""
    try:
        policy = ProjectPolicy.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(step) for step in problem['loc']) or 'policy'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)[:5]
        )
        raise PolicyError(parameter, problems) from None
    try:
        check_policy_names(policy, project, names)
    except ValueError as error:
        raise PolicyError(parameter, str(error)) from None
    return policy


class PolicyReader:
    """Reads project policies from SSM Parameter Store and keeps them for a short while.

    Args:
        ssm: an SSM client.
        parameter_prefix: ``POLICY_PARAMETER_PREFIX``, e.g. ``/cd4ml/sandbox/projects/``.
        names: the naming conventions the policy must follow.
        cache_seconds: how long a read policy (or its absence) is reused.
        clock: monotonic seconds; replaceable in tests.
    """

    def __init__(
        self,
        *,
        ssm: BaseClient,
        parameter_prefix: str,
        names: ResourceNames,
        cache_seconds: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ssm = ssm
        self._prefix = parameter_prefix
        self._names = names
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, ProjectPolicy | None]] = {}

    def parameter_name(self, project: str) -> str:
        """The SSM parameter holding ``project``'s policy."""
        return f"{self._prefix}{project}"

    def policy_for(self, project: str) -> ProjectPolicy | None:
        """The policy of ``project``, or None when the project has no policy parameter.

        Raises:
            PolicyError: the parameter exists but does not hold a valid policy.
            botocore.exceptions.ClientError: SSM failed (throttling included).
        """
        if not is_project_name(project):
            return None
        now = self._clock()
        cached = self._cache.get(project)
        if cached is not None and cached[0] > now:
            return cached[1]
        policy = self._read(project)
        if self._cache_seconds > 0:
            self._cache[project] = (now + self._cache_seconds, policy)
        return policy

    def clear(self) -> None:
        """Forget every cached policy."""
        self._cache.clear()

    def _read(self, project: str) -> ProjectPolicy | None:
        name = self.parameter_name(project)
        try:
            parameter = self._ssm.get_parameter(Name=name)["Parameter"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise
        if parameter.get("Type") != "String":
            raise PolicyError(name, f"must be a String parameter, not {parameter.get('Type')}")
        return parse_policy(parameter["Value"], parameter=name, project=project, names=self._names)
