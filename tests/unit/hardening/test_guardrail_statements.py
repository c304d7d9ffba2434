"""sagemaker_job_guardrail_statements on a bare stack: tokens from SSM, refused inputs."""

from __future__ import annotations

from typing import Any

import pytest


def guardrail_document(**overrides: Any) -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_ssm as ssm

    from cd4ml_constructs.sagemaker_guardrails import sagemaker_job_guardrail_statements

    stack = cdk.Stack(cdk.App(), "Bare")
    subnets = ssm.StringListParameter.value_for_typed_list_parameter(
        stack, "/cd4ml/sandbox/platform/network/subnet-ids"
    )
    group = ssm.StringParameter.value_for_string_parameter(
        stack, "/cd4ml/sandbox/platform/network/workload-security-group-id"
    )
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    arguments: dict[str, Any] = {
        "subnet_ids": subnets,
        "security_group_ids": [group],
        "kms_keys": [key],
        **overrides,
    }
    document = iam.PolicyDocument(statements=sagemaker_job_guardrail_statements(**arguments))
    return dict(stack.resolve(document.to_json()))


def by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in document["Statement"]}


def test_subnets_and_groups_may_come_from_ssm_parameters() -> None:
    statements = by_sid(guardrail_document())
    subnets = statements["NoJobsInOtherSubnets"]["Condition"]["ForAnyValue:StringNotEquals"][
        "sagemaker:VpcSubnets"
    ]
    assert subnets == {"Ref": next(iter(subnets.values()))}
    assert subnets["Ref"].startswith("SsmParameterValuecd4mlsandboxplatformnetworksubnetids")
    (group,) = statements["NoJobsWithOtherSecurityGroups"]["Condition"][
        "ForAnyValue:StringNotEquals"
    ]["sagemaker:VpcSecurityGroupIds"]
    assert group["Ref"].startswith("SsmParameterValuecd4mlsandboxplatformnetworkworkloadsecur")
    assert statements["NoOutputsWithOtherKeys"]["Condition"] == {
        "StringNotEquals": {
            "sagemaker:OutputKmsKey": [
                "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            ]
        }
    }


def test_every_statement_is_a_deny_on_everything_with_one_test() -> None:
    statements = guardrail_document()["Statement"]
    assert len(statements) == 13
    for statement in statements:
        assert statement["Effect"] == "Deny"
        assert statement["Resource"] == "*"
        ((_, tests),) = statement["Condition"].items()
        assert len(tests) == 1, statement["Sid"]


def test_isolation_can_be_narrowed_to_training() -> None:
    statements = by_sid(guardrail_document(network_isolated=["sagemaker:CreateTrainingJob"]))
    assert statements["NoJobsWithoutNetworkIsolation"]["Action"] == "sagemaker:CreateTrainingJob"


def test_isolation_is_refused_for_a_kind_without_the_key() -> None:
    with pytest.raises(ValueError, match="sagemaker:CreateTransformJob"):
        guardrail_document(network_isolated=["sagemaker:CreateTransformJob"])


@pytest.mark.parametrize("empty", ["subnet_ids", "security_group_ids", "kms_keys"])
def test_guardrails_without_a_network_or_keys_are_refused(empty: str) -> None:
    with pytest.raises(ValueError, match="subnets, security groups and keys"):
        guardrail_document(**{empty: []})
