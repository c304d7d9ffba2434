"""Tags: the required tags on every taggable resource, and every resource that misses one.

Which resource types CloudFormation can tag, and under which property, comes
from the resource provider schemas that cfn-lint ships (its ``tagging``
section), read as plain JSON: no lint run, no AWS call.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from config import EnvironmentConfig
from tools.audit.references import EnvironmentView, Resource

SCHEMA_REGION = "us-east-1"


def tag_inventory(view: EnvironmentView, config: EnvironmentConfig) -> dict[str, Any]:
    """The tags part of the bundle (JSON-ready)."""
    required = config.required_tags
    region = config.region or SCHEMA_REGION
    exceptions = []
    tagged = 0
    untaggable: dict[str, int] = {}
    by_stack: dict[str, dict[str, int]] = {}
    for resource in view.resources():
        tag_property = taggable_property(resource.type, region)
        if tag_property is None:
            untaggable[resource.type] = untaggable.get(resource.type, 0) + 1
            continue
        counts = by_stack.setdefault(resource.stack.stack_name, {"taggable": 0, "fully_tagged": 0})
        counts["taggable"] += 1
        tags = _tags(view, resource, tag_property)
        missing = sorted(key for key in required if key not in tags)
        wrong = sorted(
            f"{key}={tags[key]} (expected {value})"
            for key, value in required.items()
            if key in tags and tags[key] != value
        )
        if missing or wrong:
            exceptions.append(
                {
                    "resource": resource.label,
                    "type": resource.type,
                    "stack": resource.stack.stack_name,
                    "missing": missing,
                    "wrong": wrong,
                }
            )
        else:
            tagged += 1
            counts["fully_tagged"] += 1
    return {
        "required": dict(sorted(required.items())),
        "taggable_resources": tagged + len(exceptions),
        "fully_tagged": tagged,
        "exceptions": exceptions,
        "by_stack": by_stack,
        "not_taggable": dict(sorted(untaggable.items())),
        "schema_source": f"cfn-lint resource provider schemas ({region})",
    }


def taggable_property(resource_type: str, region: str) -> str | None:
    """The property that holds the tags of ``resource_type``, or None when it has none."""
    tagging = _tagging(region).get(resource_type)
    if not tagging or not tagging.get("taggable"):
        return None
    return str(tagging.get("tagProperty", "/properties/Tags")).rsplit("/", 1)[-1]


def _tags(view: EnvironmentView, resource: Resource, tag_property: str) -> dict[str, str]:
    value = resource.properties.get(tag_property)
    if isinstance(value, list):
        return {
            view.render(resource.stack, t.get("Key")): view.render(resource.stack, t.get("Value"))
            for t in value
            if isinstance(t, Mapping)
        }
    if isinstance(value, Mapping):
        return {str(k): view.render(resource.stack, v) for k, v in value.items()}
    return {}


@lru_cache(maxsize=8)
def _tagging(region: str) -> dict[str, dict[str, Any]]:
    """Resource type -> its schema's ``tagging`` section, for one region."""
    root = _schemas()
    provider = root / "providers" / f"{region}.json"
    if not provider.is_file():
        provider = root / "providers" / f"{SCHEMA_REGION}.json"
    index = json.loads(provider.read_text(encoding="utf-8"))
    return _Lazy(root / "resources", index)


class _Lazy(dict[str, dict[str, Any]]):
    """Reads a type's schema only when asked (about 1,900 schemas, a few dozen used)."""

    def __init__(self, directory: Path, index: Mapping[str, str]) -> None:
        super().__init__()
        self._directory = directory
        self._index = index

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            digest = self._index.get(key)
            if digest is None:
                return default
            schema = json.loads((self._directory / f"{digest}.json").read_text(encoding="utf-8"))
            self[key] = dict(schema.get("tagging") or {})
        return self[key]


def _schemas() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cfn-lint is not installed: run make setup")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"
