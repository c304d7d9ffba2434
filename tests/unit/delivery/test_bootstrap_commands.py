"""The bootstrap commands printed for a pipeline config: every account, every region, trust."""

from __future__ import annotations

from pathlib import Path

from config.delivery import load_delivery
from config.delivery_bootstrap import bootstrap_commands, main
from tests.unit.delivery.test_delivery_config import ENVIRONMENTS, TAGS

POLICY = "--cloudformation-execution-policies arn:aws:iam::{}:policy/cd4ml-cloudformation-execution"


def bootstraps(commands: list[str]) -> list[str]:
    return [c for c in commands if c.startswith("npx cdk bootstrap")]


def test_each_target_account_trusts_the_tooling_account() -> None:
    commands = bootstrap_commands(load_delivery("delivery-example"))
    assert bootstraps(commands) == [
        f"npx cdk bootstrap aws://444455556666/eu-west-1 {POLICY.format('444455556666')}",
        *(
            f"npx cdk bootstrap aws://{account}/eu-west-1 --trust 444455556666 "
            f"--trust-for-lookup 444455556666 {POLICY.format(account)}"
            for account in ("222233334444", "333344445555", "111122223333")
        ),
    ]
    # The policy once per account, before that account's bootstrap.
    creates = [i for i, c in enumerate(commands) if c.startswith("aws iam create-policy")]
    assert len(creates) == 4
    assert all(commands[i + 1].startswith("npx cdk bootstrap") for i in creates)


def test_the_tooling_account_is_bootstrapped_in_every_replication_region(tmp_path: Path) -> None:
    for name, (account, region) in ENVIRONMENTS.items():
        placement = f'account: "{account}"\nregion: {region}\n' if account else ""
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\n{placement}{TAGS}")
    (tmp_path / "same.yaml").write_text(
        f'name: same\naccount: "444455556666"\nregion: us-east-1\n{TAGS}'
    )
    (tmp_path / "pipeline.yaml").write_text(
        TAGS
        + 'tooling: {account: "444455556666", region: eu-west-1}\n'
        + "environments: [{name: dev}, {name: same}, {name: far-prod}]\n"
    )
    commands = bootstrap_commands(load_delivery("pipeline", tmp_path))
    assert bootstraps(commands) == [
        f"npx cdk bootstrap aws://444455556666/eu-west-1 {POLICY.format('444455556666')}",
        f"npx cdk bootstrap aws://444455556666/us-east-1 {POLICY.format('444455556666')}",
        "npx cdk bootstrap aws://222233334444/eu-west-1 --trust 444455556666 "
        f"--trust-for-lookup 444455556666 {POLICY.format('222233334444')}",
        "npx cdk bootstrap aws://111122223333/us-east-1 --trust 444455556666 "
        f"--trust-for-lookup 444455556666 {POLICY.format('111122223333')}",
    ]
    assert (
        commands[0] == "# Tooling account 444455556666 (the pipeline, same), with its credentials:"
    )


def test_an_env_agnostic_pipeline_leaves_account_and_region_to_the_credentials() -> None:
    assert bootstraps(bootstrap_commands(load_delivery())) == [
        f"npx cdk bootstrap aws://ACCOUNT/REGION {POLICY.format('ACCOUNT')}"
    ]


def test_the_command_line_prints_them_or_one_config_error(capsys: object) -> None:
    assert main(["delivery-example"]) == 0
    assert main(["nowhere"]) == 2
    out, err = capsys.readouterr()  # type: ignore[attr-defined]
    assert out.count("npx cdk bootstrap") == 4
    assert err.strip() == (
        "config error: config/nowhere.yaml: file not found; pass -c pipeline=NAME for "
        "config/NAME.yaml"
    )
