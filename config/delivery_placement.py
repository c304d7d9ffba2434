"""What the delivery pipeline checks of its environments once each file has loaded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from config import ConfigError, EnvironmentConfig, load_environment
from config.loader import _shown

if TYPE_CHECKING:
    from config.delivery import DeliveryConfig, TargetConfig


def target_environment(
    shown: str, position: int, target: TargetConfig, config_dir: Path, *, pipeline: str
) -> EnvironmentConfig:
    """The environment file of ``environments[position]``, checked against the pipeline's copy.

    :param pipeline: the pipeline's own config name: an environment of that name
        would be the pipeline deploying itself as an environment (a cycle).
    """
    key = f"environments[{position}]"
    path = config_dir / f"{target.name}.yaml"
    if not path.is_file():
        raise ConfigError(
            f"{shown}: {key}.name: {json.dumps(target.name)} is not allowed; an environment "
            f"with a config file ({_shown(path)} is missing)"
        )
    if target.name == pipeline or _is_pipeline_file(path):
        what = "this pipeline's own file: a cycle" if target.name == pipeline else "a pipeline"
        raise ConfigError(
            f"{shown}: {key}.name: {json.dumps(target.name)} is not allowed; an environment "
            f"config file ({_shown(path)} is {what} config)"
        )
    environment = load_environment(target.name, config_dir)
    for field in ("account", "region"):
        expected = getattr(target, field)
        actual = getattr(environment, field)
        if expected is not None and expected != actual:
            source = _shown(config_dir / f"{target.name}.yaml")
            raise ConfigError(
                f"{shown}: {key}.{field}: {json.dumps(expected)} is not allowed; it must be the "
                f"{field} of {source} ({json.dumps(actual)})"
            )
    return environment


def _is_pipeline_file(path: Path) -> bool:
    """A pipeline config lists ``environments``; an environment file never does."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return False  # the environment loader reports it, naming its own key
    return isinstance(raw, dict) and "environments" in raw


def check_placement(
    shown: str, config: DeliveryConfig, environments: Sequence[EnvironmentConfig]
) -> None:
    """Every environment the pipeline can reach, and a pipeline name apart from theirs."""
    tooling = config.tooling
    for position, environment in enumerate(environments):
        if environment.account is not None and tooling.account is None:
            raise ConfigError(
                f"{shown}: tooling.account: null is not allowed; a 12-digit account id: "
                f"environments[{position}] ({environment.name}) deploys into account "
                f"{environment.account}, so the pipeline needs a named account to trust"
            )
        taken = _stack_names(environment)
        if config.stack_name in taken:
            raise ConfigError(
                f"{shown}: stack_name: {json.dumps(config.stack_name)} is not allowed; a name "
                f"apart from the environments' own: environments[{position}] "
                f"({environment.name}) deploys a stack or stage of that name"
            )


def _stack_names(environment: EnvironmentConfig) -> set[str]:
    """The environment's stage id and every stack name it deploys (``<env>-...``)."""
    name = environment.name
    fixed = (
        "guardrails",
        "keys",
        "network",
        "data-lake",
        "studio",
        "loop-state",
        "loop",
        "project-contract",
        "project-catalog",
    )
    projects = tuple(f"project-{project.name}" for project in environment.projects)
    return {name, *(f"{name}-{stack}" for stack in fixed + projects)}
