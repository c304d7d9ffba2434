"""The Studio domain, its profiles, endpoints and experiment tracking, read from the templates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import path_of, persona_role
from tools.cloud_assembly import SynthesizedStack

DOMAIN_LOGICAL_ID = "Domain58E72D41"  # stateful (home volumes): never rename its construct


def studio(environment: SynthesizedEnvironment) -> SynthesizedStack:
    return environment.assembly.stack(f"{environment.config.name}/Studio")


def domain(environment: SynthesizedEnvironment) -> dict[str, Any]:
    domains = studio(environment).resources_of_type("AWS::SageMaker::Domain")
    assert list(domains) == [DOMAIN_LOGICAL_ID]
    return domains[DOMAIN_LOGICAL_ID]


def export_of(reference: Any) -> str:
    assert isinstance(reference, dict) and list(reference) == ["Fn::ImportValue"], reference
    return str(reference["Fn::ImportValue"])


def test_domain_is_vpc_only_with_iam_auth_in_the_workload_subnets(
    environment: SynthesizedEnvironment,
) -> None:
    properties = domain(environment)["Properties"]
    assert properties["AppNetworkAccessType"] == "VpcOnly"
    assert properties["AuthMode"] == "IAM"
    assert properties["DomainName"] == f"cd4ml-{environment.config.name}"
    vpc = environment.config.network.vpc
    if environment.config.network.vpc.mode == "import":
        assert properties["VpcId"] == vpc.vpc_id  # type: ignore[union-attr]
        assert properties["SubnetIds"] == list(vpc.subnet_ids)  # type: ignore[union-attr]
    else:
        subnets = [export_of(subnet) for subnet in properties["SubnetIds"]]
        assert len(subnets) == environment.config.network.az_count
        assert all("workloads" in name for name in subnets)


def test_sandbox_subnets_have_no_route_out(sandbox: SynthesizedEnvironment) -> None:
    network = sandbox.assembly.stack("sandbox/Network")
    assert network.resources_of_type("AWS::EC2::InternetGateway") == {}
    assert network.resources_of_type("AWS::EC2::NatGateway") == {}
    for route in network.resources_of_type("AWS::EC2::Route").values():
        assert "GatewayId" not in route["Properties"] and "NatGatewayId" not in route["Properties"]


def test_volumes_use_the_studio_key_of_the_keys_stack(environment: SynthesizedEnvironment) -> None:
    key_export = export_of(domain(environment)["Properties"]["KmsKeyId"])
    assert key_export.startswith(f"{environment.config.name}-keys:")
    assert "StudioKey" in key_export and "Arn" in key_export
    keys = environment.assembly.stack(f"{environment.config.name}/Keys")
    studio_keys = [
        resource
        for resource in keys.resources_of_type("AWS::KMS::Key").values()
        if path_of(resource).endswith("/StudioKey/Key/Resource")
    ]
    assert len(studio_keys) == 1
    assert studio_keys[0]["Properties"]["EnableKeyRotation"] is True
    assert studio_keys[0]["DeletionPolicy"] == "Retain"
    aliases = [
        a["Properties"]["AliasName"] for a in keys.resources_of_type("AWS::KMS::Alias").values()
    ]
    assert f"alias/cd4ml/{environment.config.name}/studio" in aliases


def test_idle_apps_stop_after_the_configured_timeout(environment: SynthesizedEnvironment) -> None:
    properties = domain(environment)["Properties"]
    settings = environment.config.studio
    expected = {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": settings.idle_timeout_minutes,
        "MinIdleTimeoutInMinutes": 60,
        "MaxIdleTimeoutInMinutes": settings.max_idle_timeout_minutes,
    }
    users = properties["DefaultUserSettings"]
    spaces = properties["DefaultSpaceSettings"]
    for app in (users["JupyterLabAppSettings"], users["CodeEditorAppSettings"]):
        assert app["AppLifecycleManagement"]["IdleSettings"] == expected
        assert app["DefaultResourceSpec"] == {"InstanceType": settings.default_instance_type}
    assert spaces["JupyterLabAppSettings"]["AppLifecycleManagement"]["IdleSettings"] == expected


def test_sandbox_idle_timeout_is_the_documented_default(sandbox: SynthesizedEnvironment) -> None:
    settings = domain(sandbox)["Properties"]["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert settings["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == 60


def test_current_studio_only_no_sharing_no_docker_source_identity(
    environment: SynthesizedEnvironment,
) -> None:
    properties = domain(environment)["Properties"]
    users = properties["DefaultUserSettings"]
    assert users["StudioWebPortal"] == "ENABLED"
    assert users["DefaultLandingUri"] == "studio::"
    assert users["SharingSettings"] == {"NotebookOutputOption": "Disabled"}
    assert properties["DomainSettings"] == {
        "DockerSettings": {"EnableDockerAccess": "DISABLED"},
        "ExecutionRoleIdentityConfig": "USER_PROFILE_NAME",
    }
    assert properties["TagPropagation"] == "ENABLED"
    storage = users["SpaceStorageSettings"]["DefaultEbsStorageSettings"]
    assert storage == {
        "DefaultEbsVolumeSizeInGb": environment.config.studio.space_volume_gb,
        "MaximumEbsVolumeSizeInGb": environment.config.studio.max_space_volume_gb,
    }


def test_apps_run_in_a_platform_group_that_only_sends_https(
    environment: SynthesizedEnvironment,
) -> None:
    stack = studio(environment)
    users = domain(environment)["Properties"]["DefaultUserSettings"]
    [group_ref] = users["SecurityGroups"]
    group = stack.resources[group_ref["Fn::GetAtt"][0]]["Properties"]
    assert "SecurityGroupIngress" not in group
    # HTTPS to the endpoints' groups only (prefix lists: tests/unit/test_studio_egress.py).
    egress = group["SecurityGroupEgress"]
    assert egress and all("CidrIp" not in rule for rule in egress)
    assert all(
        rule["FromPort"] == rule["ToPort"] == 443 and "DestinationSecurityGroupId" in rule
        for rule in egress
    )
    ingress = stack.resources_of_type("AWS::EC2::SecurityGroupIngress").values()
    assert [r for r in ingress if r["Properties"]["GroupId"] == group_ref] == []


def test_the_domain_is_retained_and_its_ids_are_outputs(
    environment: SynthesizedEnvironment,
) -> None:
    resource = domain(environment)
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    outputs = studio(environment).template["Outputs"]
    assert outputs["DomainId"]["Value"] == {"Fn::GetAtt": [DOMAIN_LOGICAL_ID, "DomainId"]}
    assert outputs["HomeEfsId"]["Value"] == {
        "Fn::GetAtt": [DOMAIN_LOGICAL_ID, "HomeEfsFileSystemId"]
    }


def test_one_profile_per_config_entry_with_its_personas_role(
    environment: SynthesizedEnvironment,
) -> None:
    stack = studio(environment)
    profiles = {
        resource["Properties"]["UserProfileName"]: resource["Properties"]
        for resource in stack.resources_of_type("AWS::SageMaker::UserProfile").values()
    }
    configured = environment.config.studio.user_profiles
    assert set(profiles) == {profile.user_name for profile in configured}
    for profile in configured:
        properties = profiles[profile.user_name]
        assert properties["DomainId"] == {"Fn::GetAtt": [DOMAIN_LOGICAL_ID, "DomainId"]}
        role = persona_role(stack, profile.persona)
        assert properties["UserSettings"]["ExecutionRole"] == {"Fn::GetAtt": [role, "Arn"]}
        tags = {tag["Key"]: tag["Value"] for tag in properties["Tags"]}
        assert tags["persona"] == profile.persona and tags["team"] == profile.team


def test_studio_endpoints_are_in_the_vpc(environment: SynthesizedEnvironment) -> None:
    network = environment.assembly.stack(f"{environment.config.name}/Network")
    services = [
        str(endpoint["Properties"]["ServiceName"])
        for endpoint in network.resources_of_type("AWS::EC2::VPCEndpoint").values()
    ]
    studio_endpoints = [name for name in services if "aws.sagemaker." in name]
    assert any(".studio" in name for name in studio_endpoints)
    has_mlflow_endpoint = any(".experiments" in name for name in studio_endpoints)
    assert has_mlflow_endpoint == environment.config.studio.mlflow.enabled


@pytest.mark.parametrize("name", ["sandbox", "example-prod"])
def test_tracking_server_only_where_config_asks(
    name: str, sandbox: SynthesizedEnvironment, example_prod: SynthesizedEnvironment
) -> None:
    environment = sandbox if name == "sandbox" else example_prod
    servers = studio(environment).resources_of_type("AWS::SageMaker::MlflowTrackingServer")
    assert len(servers) == (1 if environment.config.studio.mlflow.enabled else 0)


def test_tracking_server_keeps_artifacts_under_mlflow_in_the_artifacts_bucket(
    example_prod: SynthesizedEnvironment,
) -> None:
    stack = studio(example_prod)
    [(logical_id, server)] = stack.resources_of_type("AWS::SageMaker::MlflowTrackingServer").items()
    properties = server["Properties"]
    assert properties["TrackingServerName"] == "cd4ml-example-prod"
    assert properties["TrackingServerSize"] == "Small"
    assert properties["AutomaticModelRegistration"] is False
    uri = properties["ArtifactStoreUri"]["Fn::Join"][1]
    assert uri[0] == "s3://" and "ModelArtifactsBucket" in export_of(uri[1]) and uri[2] == "/mlflow"
    assert server["DeletionPolicy"] == "Retain"
    role_id = properties["RoleArn"]["Fn::GetAtt"][0]
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in stack.resources_of_type("AWS::IAM::ManagedPolicy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
    ]
    object_arns = [
        r["Fn::Join"][1][1]
        for document in policies
        for statement in document["Statement"]
        for r in (statement["Resource"] if isinstance(statement["Resource"], list) else [])
        if isinstance(r, dict) and "Fn::Join" in r
    ]
    assert object_arns == ["/mlflow/*"]
    assert server["DependsOn"], logical_id
