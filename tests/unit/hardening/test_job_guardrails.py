"""SageMaker job guardrails, read from the synthesized policies of the personas and the loop."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.managed_policy_role import flatten
from cd4ml_constructs.sagemaker_guardrails import GUARDED_ACTIONS
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import PERSONA_ROLES, as_list, persona_role, role_statements
from tools.cloud_assembly import SynthesizedStack

VPC_JOBS = [
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
]
VOLUME_JOBS = [
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
]
OUTPUT_JOBS = [
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
]
ENCRYPTED_JOBS = [
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
]
ISOLATED_JOBS = [
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateTrainingJob",
]


def studio(environment: SynthesizedEnvironment) -> SynthesizedStack:
    return environment.assembly.stack(f"{environment.config.name}/Studio")


def denies_by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements if s["Effect"] == "Deny" and "Sid" in s}


@pytest.mark.parametrize("persona", sorted(PERSONA_ROLES))
def test_every_persona_carries_the_guardrail_denies(
    environment: SynthesizedEnvironment, persona: str
) -> None:
    stack = studio(environment)
    denies = denies_by_sid(role_statements(stack, persona_role(stack, persona)))
    expected = {
        "NoJobsOutsideVpcSubnets": (VPC_JOBS, {"Null": {"sagemaker:VpcSubnets": "true"}}),
        "NoJobsWithoutSecurityGroups": (
            VPC_JOBS,
            {"Null": {"sagemaker:VpcSecurityGroupIds": "true"}},
        ),
        "NoUnencryptedVolumes": (VOLUME_JOBS, {"Null": {"sagemaker:VolumeKmsKey": "true"}}),
        "NoUnencryptedOutputs": (OUTPUT_JOBS, {"Null": {"sagemaker:OutputKmsKey": "true"}}),
        "NoInterContainerTrafficUnstated": (
            ENCRYPTED_JOBS,
            {"Null": {"sagemaker:InterContainerTrafficEncryption": "true"}},
        ),
        "NoInterContainerTrafficInClear": (
            ENCRYPTED_JOBS,
            {"Bool": {"sagemaker:InterContainerTrafficEncryption": "false"}},
        ),
        "NoNetworkIsolationUnstated": (
            ISOLATED_JOBS,
            {"Null": {"sagemaker:NetworkIsolation": "true"}},
        ),
        "NoJobsWithoutNetworkIsolation": (
            ISOLATED_JOBS,
            {"Bool": {"sagemaker:NetworkIsolation": "false"}},
        ),
        "NoNotebooksWithInternetAccess": (
            ["sagemaker:CreateNotebookInstance"],
            {"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}},
        ),
    }
    for sid, (actions, condition) in expected.items():
        assert as_list(denies[sid]["Action"]) == actions, sid
        assert denies[sid]["Resource"] == "*", sid
        assert denies[sid]["Condition"] == condition, sid


def test_jobs_stay_in_the_platform_subnets(environment: SynthesizedEnvironment) -> None:
    stack = studio(environment)
    denies = denies_by_sid(role_statements(stack, persona_role(stack, "data_scientist")))
    deny = denies["NoJobsInOtherSubnets"]
    assert deny["Action"] == VPC_JOBS
    ((operator, tests),) = deny["Condition"].items()
    assert operator == "ForAnyValue:StringNotEquals"
    subnets = tests["sagemaker:VpcSubnets"]
    vpc = environment.config.network.vpc
    if getattr(vpc, "subnet_ids", None):
        assert subnets == list(vpc.subnet_ids)
    else:
        assert len(subnets) == environment.config.network.az_count
        exports = [flatten(subnet) for subnet in subnets]
        assert all("ExportsOutputRefVpcworkloadsSubnet" in name for name in exports), exports


def test_jobs_carry_only_the_jobs_security_group(environment: SynthesizedEnvironment) -> None:
    stack = studio(environment)
    denies = denies_by_sid(role_statements(stack, persona_role(stack, "ml_engineer")))
    (group,) = denies["NoJobsWithOtherSecurityGroups"]["Condition"]["ForAnyValue:StringNotEquals"][
        "sagemaker:VpcSecurityGroupIds"
    ]
    logical_id = group["Fn::GetAtt"][0]
    resource = stack.resources[logical_id]
    assert resource["Type"] == "AWS::EC2::SecurityGroup"
    assert resource["Metadata"]["aws:cdk:path"].endswith("/Studio/JobSecurityGroup/Resource")
    assert resource["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS to AWS services through VPC endpoints",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    assert "SecurityGroupIngress" not in resource["Properties"]
    ingress = [
        r["Properties"]
        for r in stack.resources_of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group
    ]
    assert ingress == [
        {
            "Description": "Between the instances of one job",
            "GroupId": group,
            "IpProtocol": "-1",
            "SourceSecurityGroupId": group,
        }
    ]


@pytest.mark.parametrize("sid", ["NoVolumesWithOtherKeys", "NoOutputsWithOtherKeys"])
def test_volumes_and_outputs_use_the_platform_keys(
    environment: SynthesizedEnvironment, sid: str
) -> None:
    stack = studio(environment)
    denies = denies_by_sid(role_statements(stack, persona_role(stack, "data_scientist")))
    ((key_name, keys),) = denies[sid]["Condition"]["StringNotEquals"].items()
    assert key_name == ("sagemaker:VolumeKmsKey" if "Volume" in sid else "sagemaker:OutputKmsKey")
    exports = sorted(flatten(key) for key in keys)
    assert len(exports) == 3
    for purpose, export in zip(("ArtifactsKey", "DataLakeKey", "StudioKey"), exports, strict=True):
        assert f":ExportsOutputFnGetAtt{purpose}" in export, export


def test_builders_may_start_jobs_only_beside_the_guardrails(
    environment: SynthesizedEnvironment,
) -> None:
    stack = studio(environment)
    for persona in ("data_scientist", "ml_engineer"):
        statements = role_statements(stack, persona_role(stack, persona))
        allowed = {
            action
            for s in statements
            if s["Effect"] == "Allow"
            for action in as_list(s["Action"])
            if action in GUARDED_ACTIONS
        }
        assert allowed == {"sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"}


def test_loop_functions_may_create_no_sagemaker_job(environment: SynthesizedEnvironment) -> None:
    loop = environment.assembly.stack(f"{environment.config.name}/Loop")
    function_roles = {
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for r in loop.resources_of_type("AWS::Lambda::Function").values()
    }
    assert len(function_roles) == 4
    for role_id in function_roles:
        statements = role_statements(loop, role_id)
        (deny,) = [s for s in statements if s.get("Sid") == "NoSageMakerJobs"]
        assert deny == {
            "Action": list(GUARDED_ACTIONS),
            "Effect": "Deny",
            "Resource": "*",
            "Sid": "NoSageMakerJobs",
        }
        allowed = [
            action
            for s in statements
            if s["Effect"] == "Allow"
            for action in as_list(s["Action"])
            if action.startswith("sagemaker:Create")
        ]
        assert allowed == [], role_id
