"""One stack per project, reading the platform's contract from SSM and nothing else."""

from __future__ import annotations

import json
from typing import Any

from cd4ml_constructs.projects import PARAMETERS
from cd4ml_constructs.projects.platform_contract import LIST_PARAMETERS
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import pascal, project_stack, properties_at, stack
from tools.cloud_assembly import SynthesizedStack

RESOURCE_LIMIT = 400


def ssm_parameters(template: SynthesizedStack) -> dict[str, str]:
    """CloudFormation parameter id -> SSM parameter name, for SSM-typed parameters."""
    return {
        logical_id: parameter["Default"]
        for logical_id, parameter in template.template.get("Parameters", {}).items()
        if parameter["Type"].startswith("AWS::SSM::Parameter::Value<")
    }


def test_each_declared_project_is_a_stack_of_its_own(environment: SynthesizedEnvironment) -> None:
    name = environment.config.name
    names = {s.stack_name for s in environment.assembly.stacks}
    for project in environment.config.projects:
        assert f"{name}-project-{project.name}" in names
    assert f"{name}-projects" not in names
    assert set(environment.stage.projects) == {p.name for p in environment.config.projects}


def test_project_stacks_import_no_export_of_the_platform(
    environment: SynthesizedEnvironment,
) -> None:
    for project in environment.config.projects:
        template = project_stack(environment, project.name)
        assert "Fn::ImportValue" not in json.dumps(template.template), project.name
        used = set(ssm_parameters(template).values()) - {"/cdk-bootstrap/hnb659fds/version"}
        prefix = f"/cd4ml/{environment.config.name}/platform/"
        assert used, project.name
        assert {name.removeprefix(prefix) for name in used} <= set(PARAMETERS)


def test_the_contract_stack_publishes_every_parameter_of_the_contract(
    environment: SynthesizedEnvironment,
) -> None:
    contract = stack(environment, "ProjectContract")
    prefix = f"/cd4ml/{environment.config.name}/platform/"
    published = {
        p["Properties"]["Name"].removeprefix(prefix): p["Properties"]["Type"]
        for p in contract.resources_of_type("AWS::SSM::Parameter").values()
    }
    assert set(published) == set(PARAMETERS)
    for key, kind in published.items():
        assert kind == ("StringList" if key in LIST_PARAMETERS else "String"), key


def test_published_values_name_the_platforms_resources(sandbox: SynthesizedEnvironment) -> None:
    contract = stack(sandbox, "ProjectContract")

    def value(key: str) -> Any:
        (parameter,) = [
            p["Properties"]["Value"]
            for p in contract.resources_of_type("AWS::SSM::Parameter").values()
            if p["Properties"]["Name"] == f"/cd4ml/sandbox/platform/{key}"
        ]
        return parameter

    assert value("naming-prefix") == "cd4ml-sandbox"
    assert "ArtifactsKey" in json.dumps(value("keys/artifacts-key-arn"))
    assert "ModelArtifacts" in json.dumps(value("buckets/artifacts-bucket-name"))
    assert "RetrainTrigger" in json.dumps(value("loop/retrain-trigger-arn"))
    assert "PermissionsBoundary" in json.dumps(value("permissions-boundary-arn"))
    subnets = value("network/subnet-ids")["Fn::Join"][1]
    assert len(subnets) == sandbox.config.network.az_count
    assert all("workloadsSubnet" in json.dumps(subnet) for subnet in subnets)


def test_the_workload_security_group_admits_nothing_from_outside(
    environment: SynthesizedEnvironment,
) -> None:
    contract = stack(environment, "ProjectContract")
    (group_id,) = [
        logical_id
        for logical_id, resource in contract.resources_of_type("AWS::EC2::SecurityGroup").items()
        if "WorkloadSecurityGroup" in resource["Metadata"]["aws:cdk:path"]
    ]
    reference = {"Fn::GetAtt": [group_id, "GroupId"]}
    rules = [
        r["Properties"]
        for r in contract.resources_of_type("AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == reference
    ]
    own = [r for r in rules if r.get("DestinationSecurityGroupId") == reference]
    egress = [*contract.resources[group_id]["Properties"]["SecurityGroupEgress"], *rules]
    outside = [r for r in egress if r not in own]
    assert {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in outside} == {("tcp", 443, 443)}
    assert len(own) == 1
    prefix_lists = environment.config.loop.egress_prefix_lists
    assert sorted(
        r["DestinationPrefixListId"] for r in egress if "DestinationPrefixListId" in r
    ) == (sorted(prefix_lists))
    assert any(r.get("CidrIp") == "0.0.0.0/0" for r in egress) == (not prefix_lists)
    ingress = contract.resources_of_type("AWS::EC2::SecurityGroupIngress").values()
    assert [i["Properties"]["SourceSecurityGroupId"] for i in ingress] == [
        {"Fn::GetAtt": [group_id, "GroupId"]}
    ]


def test_every_stack_stays_well_under_cloudformations_resource_limit(
    environment: SynthesizedEnvironment,
) -> None:
    for synthesized in environment.assembly.stacks:
        assert len(synthesized.resources) < RESOURCE_LIMIT, synthesized.stack_name


def test_project_stacks_deploy_after_the_contract(environment: SynthesizedEnvironment) -> None:
    manifest = json.loads(
        (
            environment.assembly.directory / f"assembly-{environment.config.name}" / "manifest.json"
        ).read_text(encoding="utf-8")
    )
    contract = next(
        artifact_id
        for artifact_id, artifact in manifest["artifacts"].items()
        if artifact.get("displayName", "").endswith("/ProjectContract")
    )
    for project in environment.config.projects:
        (artifact,) = [
            a
            for a in manifest["artifacts"].values()
            if a.get("displayName", "").endswith(f"/Project{pascal(project.name)}")
        ]
        assert contract in artifact["dependencies"]


def test_the_approval_topic_is_encrypted_and_named(sandbox: SynthesizedEnvironment) -> None:
    topic = properties_at(stack(sandbox, "ProjectContract"), "ApprovalTopic/Topic/Resource")
    assert topic["TopicName"] == "cd4ml-sandbox-approvals"
    assert "LoopMessagesKey" in json.dumps(topic["KmsMasterKeyId"])
