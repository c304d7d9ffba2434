"""Studio settings in config: defaults, and every bad value as one line naming the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from config import ConfigError, load_environment
from config.loader import CONFIG_DIR
from config.model import MLFLOW_ENDPOINTS, STUDIO_ENDPOINTS, STUDIO_PERSONAS


def sandbox_with(change: Any) -> dict[str, Any]:
    raw = yaml.safe_load((CONFIG_DIR / "sandbox.yaml").read_text(encoding="utf-8"))
    changed = copy.deepcopy(raw)
    change(changed)
    return dict(changed)


def error_for(tmp_path: Path, raw: dict[str, Any]) -> str:
    (tmp_path / "sandbox.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment("sandbox", config_dir=tmp_path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(str(tmp_path / "sandbox.yaml"))
    return message.split("sandbox.yaml: ", 1)[1]


def test_shipped_configs_enable_studio_and_mlflow_only_in_production() -> None:
    sandbox, prod = load_environment("sandbox"), load_environment("example-prod")
    assert sandbox.studio.enabled and prod.studio.enabled
    assert not sandbox.studio.mlflow.enabled and prod.studio.mlflow.enabled
    assert sandbox.studio.idle_timeout_minutes == 60
    assert set(STUDIO_ENDPOINTS) <= set(sandbox.network.interface_endpoints)
    assert set(STUDIO_ENDPOINTS) | set(MLFLOW_ENDPOINTS) <= set(prod.network.available_endpoints)
    assert {p.persona for p in sandbox.studio.user_profiles} == set(STUDIO_PERSONAS)


def test_unknown_persona_names_the_profile_the_value_and_the_choices(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["studio"]["user_profiles"][1].update(persona="data_wizard"))
    assert error_for(tmp_path, raw) == (
        'studio.user_profiles[1].persona: "data_wizard" is not allowed; one of data_scientist, '
        "ml_engineer, model_approver (platform_admin is a role people assume, not a Studio "
        "profile)"
    )


def test_profile_names_are_valid_and_unique(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["studio"]["user_profiles"][2].update(user_name="ada-scientist"))
    assert error_for(tmp_path, raw).startswith(
        'studio.user_profiles[2].user_name: "ada-scientist" is not allowed; a name not used '
        "before; user_profiles[0] has it already"
    )
    raw = sandbox_with(lambda c: c["studio"]["user_profiles"][0].update(user_name="ada_s"))
    assert error_for(tmp_path, raw).startswith('studio.user_profiles[0].user_name: "ada_s"')


def test_studio_without_its_endpoints_names_the_missing_ones(tmp_path: Path) -> None:
    raw = sandbox_with(
        lambda c: c["network"].update(interface_endpoints=["sagemaker.api", "sts", "logs"])
    )
    assert error_for(tmp_path, raw).startswith(
        'network.interface_endpoints: ["sagemaker.api", "sts", "logs"] is not allowed; '
        "add sagemaker.runtime, sagemaker.studio:"
    )


def test_mlflow_without_its_endpoint_names_it(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["studio"]["mlflow"].update(enabled=True))
    assert "add sagemaker.experiments: the MLflow tracking server" in error_for(tmp_path, raw)


def test_studio_refuses_a_nat_gateway(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["network"]["vpc"].update(nat_gateways=1))
    assert error_for(tmp_path, raw).startswith(
        "network.vpc.nat_gateways: 1 is not allowed; 0 while studio.enabled is true"
    )


def test_data_access_names_lake_zones_only(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["studio"]["data_access"]["ml_engineer"].update(write=["gold"]))
    assert error_for(tmp_path, raw) == (
        'studio.data_access.ml_engineer.write: ["gold"] is not allowed; zones of '
        "data_lake.zones: raw, curated, features"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("idle_timeout_minutes", 30, "studio.idle_timeout_minutes: 30 is not allowed"),
        ("max_idle_timeout_minutes", 59, "studio.max_idle_timeout_minutes: 59 is not allowed"),
        ("default_instance_type", "t3.medium", 'studio.default_instance_type: "t3.medium"'),
        ("max_space_volume_gb", 4, "studio.max_space_volume_gb: 4 is not allowed"),
    ],
)
def test_studio_limits(tmp_path: Path, key: str, value: object, expected: str) -> None:
    raw = sandbox_with(lambda c: c["studio"].update({key: value}))
    assert error_for(tmp_path, raw).startswith(expected)


def test_max_idle_timeout_is_at_least_the_default(tmp_path: Path) -> None:
    raw = sandbox_with(
        lambda c: c["studio"].update(max_idle_timeout_minutes=60, idle_timeout_minutes=120)
    )
    assert error_for(tmp_path, raw) == (
        "studio.max_idle_timeout_minutes: 60 is not allowed; at least idle_timeout_minutes (120)"
    )


def test_maintenance_window_format(tmp_path: Path) -> None:
    raw = sandbox_with(
        lambda c: c["studio"]["mlflow"].update(weekly_maintenance_window_start="Sunday 2am")
    )
    assert error_for(tmp_path, raw).startswith(
        'studio.mlflow.weekly_maintenance_window_start: "Sunday 2am" is not allowed; must be'
    )


def test_profiles_need_the_domain(tmp_path: Path) -> None:
    raw = sandbox_with(lambda c: c["studio"].update(enabled=False))
    assert error_for(tmp_path, raw) == (
        'studio.user_profiles: ["ada-scientist", "grace-engineer", "edsger-approver"] is not '
        "allowed; none while studio.enabled is false (profiles live in the Studio domain)"
    )


def test_studio_off_needs_no_studio_endpoint(tmp_path: Path) -> None:
    raw = sandbox_with(
        lambda c: (
            c["studio"].update(enabled=False, user_profiles=[]),
            c["network"].update(interface_endpoints=["sts"]),
        )
    )
    (tmp_path / "sandbox.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert not load_environment("sandbox", config_dir=tmp_path).studio.enabled
