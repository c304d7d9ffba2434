"""The bootstrap commands of every account and region a delivery pipeline reaches, from its config.

``python -m config.delivery_bootstrap NAME`` prints them for ``config/NAME.yaml``:
per account, the least-privilege execution policy shipped in the repository
(IAM is global: once per account), then ``cdk bootstrap`` for each region the
account is reached in. Target accounts trust the tooling account (deploy and,
for the post-deploy checks, lookup); the tooling account is bootstrapped in
its own region and in each region it keeps a replication artifact store in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from config import ConfigError
from config.delivery import DEFAULT_DELIVERY, DeliverySettings, load_delivery

POLICY_FILE = "config/bootstrap/cloudformation-execution-policy.json"
POLICY_NAME = "cd4ml-cloudformation-execution"
# Placeholders where an env-agnostic pipeline leaves account and region to the credentials.
ACCOUNT = "ACCOUNT"
REGION = "REGION"


@dataclass
class _Account:
    purpose: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)


def bootstrap_commands(settings: DeliverySettings) -> list[str]:
    """Comment lines and commands, account by account: tooling first, then targets in order."""
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
    lines: list[str] = []
    for account_id, account in accounts.items():
        trust = (
            f" --trust {tooling_account} --trust-for-lookup {tooling_account}"
            if account_id != tooling_account
            else ""
        )
        role = "Tooling account" if account_id == tooling_account else "Account"
        lines.append(f"# {role} {account_id} ({', '.join(account.purpose)}), with its credentials:")
        lines.append(
            f"aws iam create-policy --policy-name {POLICY_NAME} "
            f"--policy-document file://{POLICY_FILE}"
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
    """Print the commands for ``config/<argv[0]>.yaml`` (default ``delivery``)."""
    try:
        settings = load_delivery(argv[0] if argv else DEFAULT_DELIVERY)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    print("\n".join(bootstrap_commands(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
