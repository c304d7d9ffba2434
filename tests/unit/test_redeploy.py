"""Teardown and redeploy: every retained resource with a fixed name is documented for adoption."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import SynthesizedEnvironment

README = Path(__file__).resolve().parents[2] / "README.md"

# Resource type -> the property that fixes its name. A retained resource of
# these types survives a stack deletion under that name, and the next deploy
# must adopt it (cdk import) instead of creating it: the README says how.
FIXED_NAMES = {
    "AWS::Glue::Database": ("DatabaseInput", "Name"),
    "AWS::SageMaker::ModelPackageGroup": ("ModelPackageGroupName",),
    "AWS::SageMaker::MlflowTrackingServer": ("TrackingServerName",),
    "AWS::Backup::BackupVault": ("BackupVaultName",),
}


def _name(properties: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = properties
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def retained_fixed_names(environment: SynthesizedEnvironment) -> set[str]:
    found = set()
    for stack in environment.assembly.stacks:
        for resource in stack.resources.values():
            path = FIXED_NAMES.get(resource["Type"])
            if path and resource.get("DeletionPolicy") == "Retain":
                assert _name(resource["Properties"], path) is not None, resource["Type"]
                found.add(resource["Type"])
    return found


def test_every_retained_fixed_name_type_has_a_documented_adoption_path(
    environment: SynthesizedEnvironment,
) -> None:
    section = README.read_text(encoding="utf-8").split("**Teardown and redeploy.**", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = retained_fixed_names(environment)
    assert {"AWS::Glue::Database", "AWS::SageMaker::ModelPackageGroup"} <= found
    for resource_type in found:
        assert f"`{resource_type}`" in section, resource_type
    assert "cdk import" in section


def test_model_package_group_description_does_not_follow_config(
    environment: SynthesizedEnvironment,
) -> None:
    # Create-only: a description that followed the team would replace the
    # retained, fixed-name group and fail the update.
    groups = [
        group
        for stack in environment.assembly.stacks
        for group in stack.resources_of_type("AWS::SageMaker::ModelPackageGroup").values()
    ]
    by_name = {g["Properties"]["ModelPackageGroupName"]: g["Properties"] for g in groups}
    for project in environment.config.projects:
        properties = by_name[f"cd4ml-{environment.config.name}-{project.name}"]
        description = properties["ModelPackageGroupDescription"]
        assert description == f"Models of the ML project {project.name}"
        assert project.team not in description
