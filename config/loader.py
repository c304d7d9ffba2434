"""Load ``config/<name>.yaml`` into an :class:`EnvironmentConfig`, or fail in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from config.model import EnvironmentConfig

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_ENVIRONMENT = "sandbox"
_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,23}$")


class ConfigError(Exception):
    """A bad environment configuration: one line naming file, key, value and what is allowed."""


def load_environment(name: str, config_dir: Path = CONFIG_DIR) -> EnvironmentConfig:
    """Read and validate the environment ``name`` from ``config_dir/<name>.yaml``."""
    if not _ENV_NAME.match(name):
        raise ConfigError(
            f"environment name {name!r} is not allowed: 2-24 lowercase letters, digits or '-'"
        )
    path = config_dir / f"{name}.yaml"
    return load_file(path, expected_name=name)


def load_file(path: Path, *, expected_name: str | None = None) -> EnvironmentConfig:
    """Validate one config file; ``expected_name`` must match its ``name`` key when given."""
    shown = _shown(path)
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise ConfigError(
            f"{shown}: file not found; environments available: {', '.join(available) or 'none'}"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{shown}: not valid YAML{where}: {problem}") from None
    if raw is None:
        raise ConfigError(f"{shown}: file is empty; expected a mapping with at least name and tags")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{shown}: top level is {type(raw).__name__}; expected a mapping of settings"
        )
    try:
        # Validate as JSON so strict mode accepts YAML lists for tuple fields
        # while still refusing 123 where a string is expected.
        config = EnvironmentConfig.model_validate_json(json.dumps(raw, default=str))
    except ValidationError as error:
        raise ConfigError(f"{shown}: {_first_error(error, raw)}") from None
    if expected_name is not None and config.name != expected_name:
        raise ConfigError(
            f"{shown}: name: {config.name!r} is not allowed; it must match the file name "
            f"({expected_name!r})"
        )
    return config


def _first_error(error: ValidationError, raw: dict[str, Any]) -> str:
    detail = error.errors(include_url=False)[0]
    loc = [part for part in detail["loc"] if not _is_union_tag(part)]
    cause = detail.get("ctx", {}).get("error")
    key_parts = [str(part) for part in loc]
    allowed = detail["msg"]
    if cause is not None and hasattr(cause, "key"):
        key_parts += cause.key.split(".")
        allowed = cause.allowed
        value: Any = cause.value
    else:
        value = detail.get("input")
    key = _key_path(key_parts)
    kind = detail["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key (value {_show(value)}); check the spelling against the README"
    if kind == "missing":
        return f"{key}: required key is missing"
    allowed = allowed.removeprefix("Value error, ")
    if kind.endswith("_type") or kind == "literal_error":
        allowed = _plain_type_message(kind, allowed)
    return f"{key}: {_show(value)} is not allowed; {allowed}"


def _key_path(parts: list[str]) -> str:
    """``studio.user_profiles[1].persona``: list positions in brackets, as YAML readers expect."""
    path = ""
    for part in parts:
        if part.isdigit():
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def _is_union_tag(part: object) -> bool:
    return part in {"create", "import"}


def _plain_type_message(kind: str, message: str) -> str:
    if kind == "literal_error":
        return message.replace("Input should be", "allowed:")
    expected = {
        "string_type": "expected text (quote numbers such as account ids)",
        "int_type": "expected a whole number",
        "bool_type": "expected true or false",
        "tuple_type": "expected a list",
        "model_type": "expected a mapping of settings",
        "model_attributes_type": "expected a mapping of settings",
    }
    return expected.get(kind, message)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
