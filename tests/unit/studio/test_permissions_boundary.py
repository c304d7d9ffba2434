"""The permissions boundary: on every role, ceiling above every grant, no escalation."""

from __future__ import annotations

from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from cd4ml_constructs.studio.permissions_boundary import (
    BOUNDARY_IAM_ACTIONS,
    BOUNDARY_POLICY_ACTIONS,
    BOUNDARY_SERVICES,
)
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import all_roles, as_list, path_of, role_statements
from tools.cloud_assembly import SynthesizedStack


def guardrails(environment: SynthesizedEnvironment) -> SynthesizedStack:
    return environment.assembly.stack(f"{environment.config.name}/Guardrails")


def boundary(environment: SynthesizedEnvironment) -> tuple[str, dict[str, Any]]:
    [(logical_id, policy)] = (
        guardrails(environment).resources_of_type("AWS::IAM::ManagedPolicy").items()
    )
    return logical_id, policy["Properties"]


def test_boundary_is_a_named_contract(environment: SynthesizedEnvironment) -> None:
    _, properties = boundary(environment)
    name = environment.config.name
    # Account-global: the region makes it unique per region and environment.
    region = environment.config.region or "<AWS::Region>"
    assert flatten(properties["ManagedPolicyName"]) == f"cd4ml-{name}-{region}-permissions-boundary"


def test_every_role_of_every_stack_carries_the_boundary(
    environment: SynthesizedEnvironment,
) -> None:
    logical_id, _ = boundary(environment)
    exports = {
        output["Export"]["Name"]
        for output in guardrails(environment).template.get("Outputs", {}).values()
        if output["Value"] == {"Ref": logical_id}
    }
    roles = list(all_roles(environment.assembly))
    assert len(roles) >= 6
    boundary_parameter = f"/cd4ml/{environment.config.name}/platform/permissions-boundary-arn"
    for stack, role_id, role in roles:
        reference = role["Properties"].get("PermissionsBoundary")
        assert reference is not None, (stack.display_name, role_id)
        if "Fn::ImportValue" in reference:
            assert reference["Fn::ImportValue"] in exports, (stack.display_name, role_id)
            continue
        # A project stack imports nothing: it reads the boundary from the contract.
        parameter = stack.template["Parameters"][reference["Ref"]]
        assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
        assert parameter["Default"] == boundary_parameter, (stack.display_name, role_id)


def test_boundary_denies_privilege_escalation(sandbox: SynthesizedEnvironment) -> None:
    _, properties = boundary(sandbox)
    statements = {s["Sid"]: s for s in properties["PolicyDocument"]["Statement"]}
    own_arn = "arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/"
    own_arn += "cd4ml-sandbox-<AWS::Region>-permissions-boundary"

    without = statements["DenyRolesWithoutThisBoundary"]
    assert without["Effect"] == "Deny" and without["Resource"] == "*"
    assert {"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"} <= set(
        without["Action"]
    )
    condition = without["Condition"]["StringNotEquals"]["iam:PermissionsBoundary"]
    assert flatten(condition) == own_arn

    removal = statements["DenyBoundaryRemoval"]
    assert removal["Effect"] == "Deny" and "iam:DeleteRolePermissionsBoundary" in removal["Action"]

    changes = statements["DenyBoundaryChanges"]
    assert changes["Effect"] == "Deny" and flatten(changes["Resource"]) == own_arn
    assert {"iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"} <= set(
        changes["Action"]
    )

    keys = statements["DenyKeyPolicyChanges"]
    assert keys == {
        "Action": "kms:PutKeyPolicy",
        "Effect": "Deny",
        "Resource": "*",
        "Sid": keys["Sid"],
    }


def test_boundary_allows_no_user_management_and_policies_only_on_its_path(
    sandbox: SynthesizedEnvironment,
) -> None:
    _, properties = boundary(sandbox)
    allowed = [s for s in properties["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    actions = [a for s in allowed for a in as_list(s["Action"])]
    assert not any(a.startswith("iam:") and "User" in a for a in actions)
    assert "iam:*" not in actions and "*" not in actions
    [on_path] = [s for s in allowed if s["Sid"] == "PolicyManagementOnPlatformPath"]
    assert flatten(on_path["Resource"]).endswith(":policy/cd4ml-sandbox/*")


def _inside_the_boundary(action: str) -> bool:
    service = action.split(":")[0]
    if service == "iam":
        return action in BOUNDARY_IAM_ACTIONS or action in BOUNDARY_POLICY_ACTIONS
    return service in BOUNDARY_SERVICES and action != "kms:PutKeyPolicy"


def test_boundary_blocks_nothing_the_platforms_roles_are_granted(
    environment: SynthesizedEnvironment,
) -> None:
    blocked = set()
    for stack, role_id, role in all_roles(environment.assembly):
        for statement in role_statements(stack, role_id):
            if statement["Effect"] != "Allow":
                continue
            for action in as_list(statement["Action"]):
                if not _inside_the_boundary(action):
                    blocked.add((path_of(role), action))
    assert blocked == set()


def test_every_studio_and_guardrails_acknowledgement_suppresses_a_real_finding(
    environment: SynthesizedEnvironment,
) -> None:
    suppressed = {
        (f"{plugin}::{rule}", path)
        for plugin, rule, path in environment.assembly.findings(suppressed=True)
    }
    ours = [
        (path, rule)
        for path, rule, _ in environment.assembly.acknowledgements()
        if path.split("/")[1] in ("Studio", "Guardrails")
    ]
    assert len(ours) > 20
    dead = [
        (path, rule)
        for path, rule in ours
        if not any(
            rule == suppressed_rule and (where == path or where.startswith(path + "/"))
            for suppressed_rule, where in suppressed
        )
    ]
    assert dead == []


def test_no_open_finding_of_the_platform_pack(environment: SynthesizedEnvironment) -> None:
    assert [f for f in environment.assembly.findings(suppressed=False) if f[0] == "CD4ML"] == []
