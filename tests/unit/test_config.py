"""Environment config: the shipped files load, and every bad value is one clear line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import ConfigError, VpcCreate, VpcImport, load_environment
from config.loader import load_file

VALID = textwrap.dedent(
    """\
    name: test-env
    tags:
      owner: team-a
      cost_center: "1234"
      data_classification: internal
    """
)


def write(tmp_path: Path, text: str, name: str = "test-env") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load_environment("test-env", config_dir=write(tmp_path, text).parent)
    message = str(raised.value)
    assert "\n" not in message, "a config error is one line"
    assert message.startswith(str(tmp_path / "test-env.yaml")) or "test-env.yaml" in message
    return message


def test_sandbox_is_env_agnostic_with_a_created_isolated_vpc() -> None:
    config = load_environment("sandbox")
    assert config.env_agnostic
    assert isinstance(config.network.vpc, VpcCreate)
    assert config.network.vpc.nat_gateways == 0
    assert config.network.az_count == 2
    assert set(config.network.interface_endpoints) >= {"sagemaker.api", "sagemaker.runtime"}
    assert config.required_tags["environment"] == "sandbox"


def test_example_prod_imports_a_vpc_across_three_azs() -> None:
    config = load_environment("example-prod")
    assert config.account == "111122223333"
    assert config.region == "eu-west-1"
    assert isinstance(config.network.vpc, VpcImport)
    assert len(config.network.vpc.subnet_ids) == config.network.az_count == 3
    assert config.termination_protection


def test_minimal_file_gets_documented_defaults(tmp_path: Path) -> None:
    config = load_environment("test-env", config_dir=write(tmp_path, VALID).parent)
    assert config.data_lake.zones == ("raw", "curated", "features")
    assert config.network.interface_endpoints == (
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
        "logs",
    )
    assert config.log_retention_days == 365


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ("colour: blue\n", "colour: unknown key"),
        (
            "network:\n  az_count: two\n",
            'network.az_count: "two" is not allowed; expected a whole number',
        ),
        ("termination_protection: maybe\n", 'termination_protection: "maybe" is not allowed'),
        (
            'account: "12345"\nregion: eu-west-1\n',
            'account: "12345" is not allowed; must be a 12-digit',
        ),
        (
            "account: 123456789012\nregion: eu-west-1\n",
            "account: 123456789012 is not allowed; expected text",
        ),
        (
            'account: "123456789012"\nregion: mars-north-1\n',
            'region: "mars-north-1" is not allowed; must be an AWS region',
        ),
        (
            "network:\n  az_count: 7\n",
            "network.az_count: 7 is not allowed; Input should be less than or equal to 3",
        ),
        ("network:\n  az_count: 0\n", "network.az_count: 0 is not allowed"),
        (
            "network:\n  az_count: 3\n",
            "network.az_count: 3 is not allowed; at most 2 without account and region",
        ),
        (
            'account: "123456789012"\n',
            "region: null is not allowed; account and region are set together",
        ),
        (
            'account: "123456789012"\nregion: eu-west-1\nnetwork:\n  vpc:\n    mode: import\n'
            "    vpc_id: vpc-0123456789abcdef0\n    cidr: 10.1.0.0/16\n    subnet_ids: []\n"
            "    availability_zones: []\n",
            "network.vpc.subnet_ids: [] is not allowed; an imported VPC needs at least one subnet id",
        ),
        (
            'account: "123456789012"\nregion: eu-west-1\nnetwork:\n  vpc:\n    mode: import\n'
            "    vpc_id: vpc-0123456789abcdef0\n    cidr: 10.1.0.0/16\n"
            "    availability_zones: [eu-west-1a]\n",
            "network.vpc.subnet_ids: required key is missing",
        ),
        (
            'account: "123456789012"\nregion: eu-west-1\nnetwork:\n  az_count: 2\n  vpc:\n'
            "    mode: import\n    vpc_id: vpc-0123456789abcdef0\n    cidr: 10.1.0.0/16\n"
            "    subnet_ids: [subnet-0123456789abcdef0]\n    availability_zones: [eu-west-1a]\n",
            'network.vpc.subnet_ids: ["subnet-0123456789abcdef0"] is not allowed; exactly az_count (2)',
        ),
        ("network:\n  vpc:\n    mode: peered\n", "network.vpc: "),
        ("network:\n  vpc:\n    cidr: 8.8.0.0/16\n", "must be a private (RFC 1918) range"),
        ("network:\n  interface_endpoints: [sts, sts]\n", "endpoints listed twice: sts"),
        (
            "network:\n  interface_endpoints: [s3-express]\n",
            'network.interface_endpoints[0]: "s3-express" is not allowed; allowed:',
        ),
        (
            "data_lake:\n  zones: [raw, curated, raw]\n",
            'data_lake.zones: ["raw", "curated", "raw"] is not allowed; zone names must be unique; listed twice: raw',
        ),
        ("data_lake:\n  zones: []\n", "at least one zone is required"),
        (
            "log_retention_days: 100\n",
            "log_retention_days: 100 is not allowed; must be a CloudWatch Logs retention",
        ),
        ("keys:\n  deletion_window_days: 3\n", "keys.deletion_window_days: 3 is not allowed"),
    ],
)
def test_bad_value_names_file_key_value_and_what_is_allowed(
    tmp_path: Path, addition: str, expected: str
) -> None:
    assert expected in error_for(tmp_path, VALID + addition)


def test_list_positions_are_shown_in_brackets(tmp_path: Path) -> None:
    message = error_for(tmp_path, VALID + "data_lake:\n  zones: [raw, 7]\n")
    assert "data_lake.zones[1]: 7 is not allowed; expected text" in message


def test_missing_required_key(tmp_path: Path) -> None:
    assert "tags: required key is missing" in error_for(tmp_path, "name: test-env\n")


def test_wrong_type_for_a_section(tmp_path: Path) -> None:
    message = error_for(tmp_path, VALID + "network: [1, 2]\n")
    assert "network: [1, 2] is not allowed; expected a mapping of settings" in message


def test_empty_file(tmp_path: Path) -> None:
    assert "file is empty" in error_for(tmp_path, "")


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    assert "top level is list" in error_for(tmp_path, "- a\n- b\n")


def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    assert "not valid YAML at line 3, column 6: mapping values are not allowed here" in error_for(
        tmp_path, "name: x\ntags:\nbad: : [\n"
    )


def test_missing_file_lists_the_environments(tmp_path: Path) -> None:
    write(tmp_path, VALID, name="other-env")
    with pytest.raises(ConfigError, match=r"file not found; environments available: other-env"):
        load_environment("test-env", config_dir=tmp_path)


def test_name_must_match_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"name: 'test-env' is not allowed; it must match"):
        load_file(write(tmp_path, VALID, name="another"), expected_name="another")


def test_environment_name_is_checked_before_any_file_is_read() -> None:
    with pytest.raises(ConfigError, match=r"environment name '../etc' is not allowed"):
        load_environment("../etc")


def test_config_is_frozen() -> None:
    config = load_environment("sandbox")
    with pytest.raises(ValueError):
        config.name = "changed"  # type: ignore[misc]
