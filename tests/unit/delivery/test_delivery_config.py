"""Delivery pipeline config: the shipped files load, and every bad value is one clear line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import ConfigError
from config.delivery import DeliverySettings, load_delivery

TAGS = """\
tags:
  owner: ml-platform-team
  cost_center: "4711"
  data_classification: internal
"""
ENVIRONMENTS = {
    "dev": ("222233334444", "eu-west-1"),
    "staging": ("333344445555", "eu-west-1"),
    "prod": ("111122223333", "eu-west-1"),
    "far-prod": ("111122223333", "us-east-1"),
    "local": (None, None),
}
PIPELINE = """\
tooling: {account: "444455556666", region: eu-west-1}
environments:
  - {name: dev, account: "222233334444"}
  - {name: staging, region: eu-west-1}
  - {name: prod}
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    for name, (account, region) in ENVIRONMENTS.items():
        placement = f'account: "{account}"\nregion: {region}\n' if account else ""
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\n{placement}{TAGS}")
    return tmp_path


def load(config_dir: Path, text: str) -> DeliverySettings:
    (config_dir / "pipeline.yaml").write_text(TAGS + textwrap.dedent(text))
    return load_delivery("pipeline", config_dir)


def error_for(config_dir: Path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load(config_dir, text)
    message = str(raised.value)
    assert "\n" not in message, "a config error is one line"
    assert "pipeline.yaml: " in message
    return message


def test_shipped_default_is_one_env_agnostic_sandbox_from_an_s3_zip() -> None:
    settings = load_delivery()
    assert [t.name for t in settings.targets] == ["sandbox"]
    assert settings.targets[0].requires_approval is False
    assert settings.config.tooling.account is None
    assert settings.config.source.kind == "s3"
    assert settings.config.source.object_key == "cd4ml-platform/source.zip"
    assert settings.cross_account is False


def test_shipped_example_is_three_accounts_with_approval_before_prod_only() -> None:
    settings = load_delivery("delivery-example")
    assert [(t.name, t.environment.account, t.requires_approval) for t in settings.targets] == [
        ("example-dev", "222233334444", False),
        ("example-staging", "333344445555", False),
        ("example-prod", "111122223333", True),
    ]
    assert settings.config.tooling.account == "444455556666"
    assert settings.config.source.kind == "codeconnections"
    assert settings.cross_account is True
    assert set(settings.trusted_accounts) == {
        "444455556666",
        "222233334444",
        "333344445555",
        "111122223333",
    }


def test_order_and_approvals_follow_the_file(config_dir: Path) -> None:
    settings = load(config_dir, PIPELINE)
    assert [t.name for t in settings.targets] == ["dev", "staging", "prod"]
    assert [t.requires_approval for t in settings.targets] == [False, False, True]


def test_approval_can_be_asked_for_or_waived_explicitly(config_dir: Path) -> None:
    settings = load(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments:
          - {name: dev, requires_approval: true}
          - {name: prod, requires_approval: false}
        """,
    )
    assert [t.requires_approval for t in settings.targets] == [True, False]


def test_a_name_ending_in_prod_requires_approval_by_default(config_dir: Path) -> None:
    (config_dir / "eu-prod.yaml").write_text(
        f'name: eu-prod\naccount: "111122223333"\nregion: eu-west-1\n{TAGS}'
    )
    settings = load(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: eu-prod}]
        """,
    )
    assert settings.targets[0].requires_approval is True


def test_same_account_pipeline_needs_no_cross_account_keys(config_dir: Path) -> None:
    settings = load(config_dir, "environments: [{name: local}]\n")
    assert settings.cross_account is False


def test_environment_without_a_config_file_names_the_key(config_dir: Path) -> None:
    message = error_for(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: dev}, {name: qa}]
        """,
    )
    assert 'environments[1].name: "qa" is not allowed; an environment with a config file' in message
    assert "qa.yaml is missing" in message


def test_account_that_differs_from_the_environment_config_names_the_key(config_dir: Path) -> None:
    message = error_for(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: dev}, {name: prod, account: "999999999999"}]
        """,
    )
    assert 'environments[1].account: "999999999999" is not allowed' in message
    assert 'prod.yaml ("111122223333")' in message


def test_region_that_differs_from_the_environment_config_names_the_key(config_dir: Path) -> None:
    message = error_for(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: dev, region: us-east-1}]
        """,
    )
    assert 'environments[0].region: "us-east-1" is not allowed' in message


def test_an_environment_listed_twice_is_a_cycle(config_dir: Path) -> None:
    message = error_for(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: dev}, {name: staging}, {name: dev}]
        """,
    )
    assert 'environments[2].name: "dev" is not allowed; each environment once' in message
    assert "already at environments[0]" in message


def test_the_pipeline_listing_itself_is_a_cycle(config_dir: Path) -> None:
    message = error_for(config_dir, "environments: [{name: local}, {name: pipeline}]\n")
    assert 'environments[1].name: "pipeline" is not allowed; an environment config file' in message
    assert "pipeline.yaml is this pipeline's own file: a cycle" in message


def test_an_environment_that_is_another_pipeline_names_the_key(config_dir: Path) -> None:
    (config_dir / "other-pipeline.yaml").write_text(TAGS + "environments: [{name: local}]\n")
    message = error_for(config_dir, "environments: [{name: other-pipeline}]\n")
    assert 'environments[0].name: "other-pipeline" is not allowed' in message
    assert "other-pipeline.yaml is a pipeline config" in message


def test_named_accounts_need_a_named_tooling_account(config_dir: Path) -> None:
    message = error_for(config_dir, "environments: [{name: dev}]\n")
    assert "tooling.account: null is not allowed" in message


def test_an_environment_outside_the_tooling_region_gets_a_replication_region(
    config_dir: Path,
) -> None:
    settings = load(
        config_dir,
        """\
        tooling: {account: "444455556666", region: eu-west-1}
        environments: [{name: dev}, {name: far-prod, region: us-east-1}, {name: prod}]
        """,
    )
    assert settings.replication_regions == ("us-east-1",)
    same_region = load(
        config_dir,
        'tooling: {account: "444455556666", region: eu-west-1}\n'
        "environments: [{name: dev}, {name: local}]\n",
    )
    assert same_region.replication_regions == ()


@pytest.mark.parametrize("stack_name", ["cd4ml-dev", "cd4ml-dev-loop", "cd4ml-dev-project-churn"])
def test_a_pipeline_named_like_an_environment_or_its_stacks_names_the_key(
    config_dir: Path, stack_name: str
) -> None:
    (config_dir / "cd4ml-dev.yaml").write_text(
        'name: cd4ml-dev\naccount: "222233334444"\nregion: eu-west-1\n'
        + TAGS
        + "projects:\n  - {name: churn, team: growth, metric: {name: auc, direction: higher}, "
        "min_threshold: 0.7}\n"
    )
    message = error_for(
        config_dir,
        f"""\
        stack_name: {stack_name}
        tooling: {{account: "444455556666", region: eu-west-1}}
        environments: [{{name: dev}}, {{name: cd4ml-dev}}]
        """,
    )
    assert f'stack_name: "{stack_name}" is not allowed; a name apart from' in message
    assert "environments[1] (cd4ml-dev)" in message


def test_a_pipeline_name_outside_the_bootstrap_boundary_pattern_names_the_key(
    config_dir: Path,
) -> None:
    message = error_for(
        config_dir, "stack_name: platform-pipeline\nenvironments: [{name: local}]\n"
    )
    assert 'stack_name: "platform-pipeline" is not allowed; must be cd4ml-' in message
    assert "cd4ml-*-permissions-boundary" in message


def test_unknown_key_and_missing_environments_are_errors(config_dir: Path) -> None:
    typo = "environments: [{name: local}]\nenvironmnets: []\n"
    assert "environmnets: unknown key" in error_for(config_dir, typo)
    assert "environments: required key is missing" in error_for(config_dir, "tooling: {}\n")


def test_tooling_account_and_region_go_together(config_dir: Path) -> None:
    message = error_for(
        config_dir, 'tooling: {account: "444455556666"}\nenvironments: [{name: local}]\n'
    )
    assert "tooling.region: null is not allowed; account and region are set together" in message


def test_missing_pipeline_file_is_one_line() -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: file not found"):
        load_delivery("nowhere")


def test_termination_protection_is_on_unless_the_file_turns_it_off(config_dir: Path) -> None:
    assert load(config_dir, "environments: [{name: local}]\n").config.termination_protection
    off = load(config_dir, "termination_protection: false\nenvironments: [{name: local}]\n")
    assert off.config.termination_protection is False


def test_termination_protection_that_is_not_a_boolean_names_the_key(config_dir: Path) -> None:
    message = error_for(
        config_dir, "termination_protection: maybe\nenvironments: [{name: local}]\n"
    )
    assert 'termination_protection: "maybe" is not allowed' in message


def test_a_stack_name_too_long_for_the_role_name_names_the_key(config_dir: Path) -> None:
    long_name = "cd4ml-" + "p" * 30
    message = error_for(config_dir, f"stack_name: {long_name}\nenvironments: [{{name: local}}]\n")
    assert f'stack_name: "{long_name}" is not allowed; at most 33 characters in <region>' in message
    assert "must fit IAM's 64" in message


def test_an_alarm_email_that_is_not_an_address_names_the_key(config_dir: Path) -> None:
    message = error_for(config_dir, "alarm_email: ops\nenvironments: [{name: local}]\n")
    assert 'alarm_email: "ops" is not allowed; must be an email address' in message
