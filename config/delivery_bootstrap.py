"""The bootstrap commands of every account and region a delivery pipeline reaches, from its config.

``python -m config.delivery_bootstrap NAME`` prints them for ``config/NAME.yaml``:
per account, the least-privilege execution policy shipped in the repository
(IAM is global: once per account), then ``cdk bootstrap`` for each region the
account is reached in. ``python -m config.delivery_bootstrap NAME --policy
ACCOUNT`` prints that account's policy: the shipped file with its
``iam:PassRole`` statement narrowed to the roles of the stacks deployed there
(CloudFormation names a role ``<stack name>-<logical id>-<suffix>``, and every
stack name starts with its environment's name, or the pipeline's). Target
accounts trust the tooling account (deploy and, for the post-deploy checks,
lookup); the tooling account is bootstrapped in its own region and in each
region it keeps a replication artifact store in.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import ConfigError
from config.delivery import DEFAULT_DELIVERY, DeliverySettings, load_delivery

POLICY_FILE = "config/bootstrap/cloudformation-execution-policy.json"
POLICY_NAME = "cd4ml-cloudformation-execution"
# The statement of the shipped file whose Resource is a template, per stack-name prefix.
PASS_ROLE_SID = "PassPlatformRolesToTheirServices"
PASS_ROLE_TEMPLATE = "arn:aws:iam::ACCOUNT:role/STACK_PREFIX-*"
# Placeholders where an env-agnostic pipeline leaves account and region to the credentials.
ACCOUNT = "ACCOUNT"
REGION = "REGION"


@dataclass
class _Account:
    purpose: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def _accounts(settings: DeliverySettings) -> dict[str, _Account]:
    """Each account the pipeline reaches: what lives there and in which regions, tooling first."""
    tooling = settings.config.tooling
    tooling_account = tooling.account or ACCOUNT
    accounts: dict[str, _Account] = {
        tooling_account: _Account(["the pipeline"], [tooling.region or REGION])
    }
    for region in settings.replication_regions:
        _add(accounts[tooling_account].regions, region)
    for target in settings.targets:
        environment = target.environment
        account = accounts.setdefault(environment.account or tooling_account, _Account())
        account.purpose.append(environment.name)
        _add(account.regions, environment.region or tooling.region or REGION)
    return accounts


def execution_policy(settings: DeliverySettings, account_id: str) -> dict[str, Any]:
    """The shipped execution policy for ``account_id``: roles passed are only its stacks' roles.

    :raises ConfigError: when the pipeline reaches no such account.
    """
    accounts = _accounts(settings)
    if account_id not in accounts:
        raise ConfigError(
            f"--policy {account_id!r} is not allowed; one of the pipeline's accounts: "
            + ", ".join(accounts)
        )
    prefixes = [
        settings.config.stack_name if name == "the pipeline" else name
        for name in accounts[account_id].purpose
    ]
    arn_account = "*" if account_id == ACCOUNT else account_id
    document: dict[str, Any] = json.loads(
        (Path(__file__).parents[1] / POLICY_FILE).read_text(encoding="utf-8")
    )
    (statement,) = [s for s in document["Statement"] if s.get("Sid") == PASS_ROLE_SID]
    assert statement["Resource"] == [PASS_ROLE_TEMPLATE], statement["Resource"]
    statement["Resource"] = [
        PASS_ROLE_TEMPLATE.replace("ACCOUNT", arn_account).replace("STACK_PREFIX", prefix)
        for prefix in prefixes
    ]
    return document


def bootstrap_commands(settings: DeliverySettings) -> list[str]:
    """Comment lines and commands, account by account: tooling first, then targets in order."""
    accounts = _accounts(settings)
    tooling_account = next(iter(accounts))
    lines: list[str] = []
    for account_id, account in accounts.items():
        trust = (
            f" --trust {tooling_account} --trust-for-lookup {tooling_account}"
            if account_id != tooling_account
            else ""
        )
        role = "Tooling account" if account_id == tooling_account else "Account"
        lines.append(f"# {role} {account_id} ({', '.join(account.purpose)}), with its credentials:")
        policy_file = f"{POLICY_NAME}-{account_id}.json"
        lines.append(
            f"python -m config.delivery_bootstrap {settings.file_name} --policy {account_id} "
            f"> {policy_file}"
        )
        lines.append(
            f"aws iam create-policy --policy-name {POLICY_NAME} "
            f"--policy-document file://{policy_file}"
        )
        for region in account.regions:
            lines.append(
                f"npx cdk bootstrap aws://{account_id}/{region}{trust} "
                f"--cloudformation-execution-policies "
                f"arn:aws:iam::{account_id}:policy/{POLICY_NAME}"
            )
    return lines


def _add(regions: list[str], region: str) -> None:
    if region not in regions:
        regions.append(region)


def main(argv: list[str]) -> int:
    """Print the commands for ``config/<argv[0]>.yaml`` (default ``delivery``).

    With ``--policy ACCOUNT`` after the name: that account's execution policy (JSON).
    """
    names = [a for a in argv[:1] if not a.startswith("--")]
    options = argv[len(names) :]
    try:
        if options and (len(options) != 2 or options[0] != "--policy"):
            raise ConfigError(
                f"arguments {' '.join(options)!r} are not allowed; NAME [--policy ACCOUNT]"
            )
        settings = load_delivery(names[0] if names else DEFAULT_DELIVERY)
        if options:
            print(json.dumps(execution_policy(settings, options[1]), indent=2))
            return 0
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    print("\n".join(bootstrap_commands(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
