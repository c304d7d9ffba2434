"""Reading the foundation stacks' keys from the templates."""

from __future__ import annotations

from typing import Any

from tests.conftest import SynthesizedEnvironment


def imported_key_logical_id(reference: Any) -> str:
    """The logical id of the key behind a cross-stack reference (``Fn::ImportValue``)."""
    assert isinstance(reference, dict) and "Fn::ImportValue" in reference, reference
    return str(reference["Fn::ImportValue"])


def key_logical_id(environment: SynthesizedEnvironment, construct: str) -> str:
    keys = environment.assembly.stack(f"{environment.config.name}/Keys")
    matches = [
        logical_id
        for logical_id, resource in keys.resources_of_type("AWS::KMS::Key").items()
        if resource.get("Metadata", {})
        .get("aws:cdk:path", "")
        .endswith(f"/{construct}/Key/Resource")
    ]
    assert len(matches) == 1, matches
    return matches[0]
