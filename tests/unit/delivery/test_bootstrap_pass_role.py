"""iam:PassRole in the execution policy: the stacks' own roles, to the services they go to."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

import pytest

from config.delivery_bootstrap import PASS_ROLE_SID, execution_policy
from tests.unit.delivery.conftest import SynthesizedDelivery
from tests.unit.delivery.test_bootstrap_policy import statements
from tools.cloud_assembly import SynthesizedStack

# CloudFormation type namespace -> the service a role given to such a resource is passed to.
PASSED_TO = {
    "Backup": "backup.amazonaws.com",
    "CodeBuild": "codebuild.amazonaws.com",
    "CodePipeline": "codepipeline.amazonaws.com",
    "EC2": "vpc-flow-logs.amazonaws.com",
    "Events": "events.amazonaws.com",
    "Lambda": "lambda.amazonaws.com",
    "SageMaker": "sagemaker.amazonaws.com",
    "Scheduler": "scheduler.amazonaws.com",
    "ServiceCatalog": "servicecatalog.amazonaws.com",
}
# Properties that hand a resource a role (CloudFormation passes it on create/update).
ROLE_KEYS = {
    "DeliverLogsPermissionArn",
    "ExecutionRole",
    "IamRoleArn",
    "Role",
    "RoleArn",
    "ServiceRole",
}


def _role_refs(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    if isinstance(value, dict):
        if path and path[-1] in ROLE_KEYS:
            if "Ref" in value:
                yield value["Ref"], path
            attribute = value.get("Fn::GetAtt")
            if isinstance(attribute, list) and attribute[1:] == ["Arn"]:
                yield attribute[0], path
        for key, item in value.items():
            yield from _role_refs(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _role_refs(item, path)


def passed_roles(delivery: SynthesizedDelivery) -> list[tuple[SynthesizedStack, str, str]]:
    """(stack, role logical id, service) for each role a resource of the app is given.

    A role under a CodePipeline action's ``Configuration`` is passed at run time
    by the pipeline's role, not by CloudFormation.
    """
    found = []
    for stack in delivery.assembly.stacks:
        roles = stack.resources_of_type("AWS::IAM::Role")
        for resource in stack.resources.values():
            namespace = resource["Type"].split("::")[1]
            if namespace in ("IAM", "KMS"):
                continue
            for logical_id, path in _role_refs(resource.get("Properties", {}), ()):
                if logical_id not in roles or "Configuration" in path:
                    continue
                service = PASSED_TO[namespace]
                trust = roles[logical_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                trusted = {
                    s
                    for statement in trust
                    for s in _listed(statement.get("Principal", {}).get("Service", []))
                }
                assert service in trusted, (stack.stack_name, logical_id, trusted)
                found.append((stack, logical_id, service))
    return found


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def pass_role_statement(document: dict[str, Any]) -> dict[str, Any]:
    passing = [s for s in document["Statement"] if "iam:PassRole" in s["Action"]]
    assert [s["Sid"] for s in passing] == [PASS_ROLE_SID]
    assert passing[0]["Action"] == ["iam:PassRole"]
    return dict(passing[0])


def test_roles_are_passed_only_to_the_services_the_stacks_pass_them_to(
    delivery_example: SynthesizedDelivery, delivery_cross_region: SynthesizedDelivery
) -> None:
    needed = {
        service
        for delivery in (delivery_example, delivery_cross_region)
        for _, _, service in passed_roles(delivery)
    }
    document = {"Statement": statements("Allow")}
    condition = pass_role_statement(document)["Condition"]
    assert condition == {"StringEquals": {"iam:PassedToService": sorted(needed)}}
    assert len(needed) == 9


def account_of(delivery: SynthesizedDelivery, stack: SynthesizedStack) -> str:
    """The account a stack deploys into: its environment's, else the tooling account."""
    environment = stack.display_name.split("/")[0] if "/" in stack.display_name else None
    for target in delivery.settings.targets:
        if target.name == environment:
            assert target.environment.account is not None
            return target.environment.account
    assert delivery.settings.config.tooling.account is not None
    return delivery.settings.config.tooling.account


def generated_arn(account: str, stack: SynthesizedStack, logical_id: str) -> str:
    """The ARN CloudFormation gives a role without RoleName: <stack>-<logical id>-<suffix>."""
    return f"arn:aws:iam::{account}:role/{stack.stack_name}-{logical_id}-1A2B3C4D5E6F"[:84]


@pytest.mark.parametrize("fixture", ["delivery_example", "delivery_cross_region"])
def test_each_account_may_pass_its_own_stacks_roles_and_no_other(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    delivery: SynthesizedDelivery = request.getfixturevalue(fixture)
    checked: set[str] = set()
    for stack, logical_id, _ in passed_roles(delivery):
        account = account_of(delivery, stack)
        role = stack.resources[logical_id]["Properties"]
        assert "RoleName" not in role and "Path" not in role, (stack.stack_name, logical_id)
        allowed = pass_role_statement(execution_policy(delivery.settings, account))["Resource"]
        arn = generated_arn(account, stack, logical_id)
        assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in allowed), (arn, allowed)
        # Not another account's stacks, nor a role of the account outside the platform.
        for other in ("OrganizationAccountAccessRole", "admin", "cd4ml-other-eu-west-1-x"):
            foreign = f"arn:aws:iam::{account}:role/{other}"
            assert not any(fnmatch.fnmatchcase(foreign, pattern) for pattern in allowed)
        checked.add(account)
    assert len(checked) == len({account_of(delivery, s) for s in delivery.assembly.stacks})


def test_the_policy_of_an_account_names_its_stacks_only() -> None:
    from config.delivery import load_delivery

    settings = load_delivery("delivery-example")
    dev = pass_role_statement(execution_policy(settings, "222233334444"))
    tooling = pass_role_statement(execution_policy(settings, "444455556666"))
    assert dev["Resource"] == ["arn:aws:iam::222233334444:role/example-dev-*"]
    assert tooling["Resource"] == ["arn:aws:iam::444455556666:role/cd4ml-delivery-*"]
