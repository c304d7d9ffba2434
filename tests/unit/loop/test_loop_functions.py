"""LoopStack: how the loop functions run (runtime, settings, retries, logs, network)."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    FUNCTIONS,
    properties_at,
    resource_at,
    role_permissions,
    stack,
)
from tests.unit.loop.test_published_layers import published_layer

LOOP_ENVIRONMENT = {
    "RESOURCE_PREFIX",
    "POLICY_PARAMETER_PREFIX",
    "IDEMPOTENCY_TABLE",
    "STATE_TABLE",
    "AUDIT_TABLE",
    "RAW_BUCKET_NAME",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}


def test_functions_run_python_313_on_arm64_with_the_pinned_layers(
    environment: SynthesizedEnvironment,
) -> None:
    loop = stack(environment, "Loop")
    handlers = {
        "RetrainTrigger": "retrain_trigger.handler.handler",
        "QualityGate": "quality_gate.handler.handler",
        "DeployTrigger": "deploy_trigger.handler.handler",
        "DriftCheck": "drift_check.handler.handler",
    }
    for name, handler in handlers.items():
        function = properties_at(loop, f"{name}/Function/Resource")
        assert function["Runtime"] == "python3.13", name
        assert function["Architectures"] == ["arm64"], name
        assert function["Handler"] == handler, name
        assert function["TracingConfig"] == {"Mode": "Active"}, name
        expected = ["powertools"] + (["sdk_for_pandas"] if name == "DriftCheck" else [])
        assert function["Layers"] == [published_layer(environment, layer) for layer in expected]


def test_loop_functions_get_the_contract_environment(sandbox: SynthesizedEnvironment) -> None:
    loop = stack(sandbox, "Loop")
    services = {
        "RetrainTrigger": "retrain-trigger",
        "QualityGate": "quality-gate",
        "DeployTrigger": "deploy-trigger",
    }
    for name, service in services.items():
        variables = properties_at(loop, f"{name}/Function/Resource")["Environment"]["Variables"]
        expected = LOOP_ENVIRONMENT | ({"LEASE_SECONDS"} if name == "RetrainTrigger" else set())
        assert set(variables) == expected, name
        assert variables["RESOURCE_PREFIX"] == "cd4ml-sandbox"
        assert variables["POLICY_PARAMETER_PREFIX"] == "/cd4ml/sandbox/projects/"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "CD4ML/Loop"
        assert variables["POWERTOOLS_SERVICE_NAME"] == service
        assert "IdempotencyTable" in str(variables["IDEMPOTENCY_TABLE"])
        assert "StateTable" in str(variables["STATE_TABLE"])
        assert "AuditTable" in str(variables["AUDIT_TABLE"])
        assert "RawZoneBucket" in str(variables["RAW_BUCKET_NAME"])
    retrain = properties_at(loop, "RetrainTrigger/Function/Resource")["Environment"]["Variables"]
    assert retrain["LEASE_SECONDS"] == str(sandbox.config.loop.build_lease_minutes * 60)
    drift = properties_at(loop, "DriftCheck/Function/Resource")["Environment"]["Variables"]
    assert set(drift) == {
        "REPORT_BUCKET",
        "RESOURCE_PREFIX",
        "REPORT_KMS_KEY_ID",
        "DRIFT_METRIC_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
    }
    assert drift["DRIFT_METRIC_NAMESPACE"] == "CD4ML/Drift"
    # The drift check reads only model packages of the groups cd4ml-<env>-<project>.
    assert drift["RESOURCE_PREFIX"] == "cd4ml-sandbox"
    assert "ModelArtifactsBucket" in str(drift["REPORT_BUCKET"])
    assert "ArtifactsKey" in str(drift["REPORT_KMS_KEY_ID"])


def test_reserved_concurrency_follows_config(environment: SynthesizedEnvironment) -> None:
    loop = stack(environment, "Loop")
    concurrency = environment.config.loop.reserved_concurrency
    expected = {
        "RetrainTrigger": concurrency.retrain_trigger,
        "QualityGate": concurrency.quality_gate,
        "DeployTrigger": concurrency.deploy_trigger,
        "DriftCheck": concurrency.drift_check,
    }
    for name, reserved in expected.items():
        function = properties_at(loop, f"{name}/Function/Resource")
        assert function.get("ReservedConcurrentExecutions") == reserved, name
    # Off by default (a fresh account's quota of 10 rejects any reservation);
    # example-prod opts in.
    opted_in = {"sandbox": None, "example-prod": 5}[environment.config.name]
    assert expected["RetrainTrigger"] == opted_in


def test_async_failures_retry_then_land_in_the_functions_failure_queue(
    sandbox: SynthesizedEnvironment,
) -> None:
    loop = stack(sandbox, "Loop")
    for name in FUNCTIONS:
        function_id, _ = resource_at(loop, f"{name}/Function/Resource")
        queue_id, _ = resource_at(loop, f"{name}/FailureQueue/Queue/Resource")
        config = properties_at(loop, f"{name}/Function/EventInvokeConfig/Resource")
        assert config == {
            "FunctionName": {"Ref": function_id},
            "Qualifier": "$LATEST",
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 6 * 3600,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        }


def test_log_groups_are_encrypted_retained_and_keep_logs_as_configured(
    environment: SynthesizedEnvironment,
) -> None:
    loop = stack(environment, "Loop")
    for name in FUNCTIONS:
        group_id, group = resource_at(loop, f"{name}/LogGroup/Resource")
        assert group["DeletionPolicy"] == "Retain"
        assert group["Properties"]["RetentionInDays"] == environment.config.log_retention_days
        assert "LogsKey" in str(group["Properties"]["KmsKeyId"])
        logging = properties_at(loop, f"{name}/Function/Resource")["LoggingConfig"]
        assert logging == {
            "LogGroup": {"Ref": group_id},
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "WARN",
        }


def test_sandbox_functions_run_outside_the_vpc(sandbox: SynthesizedEnvironment) -> None:
    loop = stack(sandbox, "Loop")
    for name in FUNCTIONS:
        assert "VpcConfig" not in properties_at(loop, f"{name}/Function/Resource")
    assert not loop.resources_of_type("AWS::EC2::SecurityGroup")


def test_prod_functions_run_in_the_vpc_and_reach_only_the_endpoints(
    example_prod: SynthesizedEnvironment,
) -> None:
    loop = stack(example_prod, "Loop")
    group_id, group = resource_at(loop, "FunctionSecurityGroup/Resource")
    subnets = list(example_prod.config.network.vpc.subnet_ids)  # type: ignore[union-attr]
    for name in FUNCTIONS:
        vpc = properties_at(loop, f"{name}/Function/Resource")["VpcConfig"]
        assert vpc["SubnetIds"] == subnets
        assert vpc["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}]
        actions = set().union(*role_permissions(loop, f"{name}/Role").values())
        assert "ec2:CreateNetworkInterface" in actions
    assert "SecurityGroupIngress" not in group["Properties"]
    egress = list(group["Properties"]["SecurityGroupEgress"])
    egress += [
        rule["Properties"]
        for rule in loop.resources_of_type("AWS::EC2::SecurityGroupEgress").values()
    ]
    assert all(
        (rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) == (443, 443, "tcp")
        for rule in egress
    )
    assert not any("CidrIp" in rule or "CidrIpv6" in rule for rule in egress)
    existing = example_prod.config.network.vpc.existing_endpoints  # type: ignore[union-attr]
    destinations = sorted(
        "endpoints"
        if "EndpointSecurityGroup" in str(rule.get("DestinationSecurityGroupId"))
        else "existing endpoints"
        if rule.get("DestinationSecurityGroupId") == existing.security_group_id
        else rule["DestinationPrefixListId"]
        for rule in egress
    )
    assert destinations == sorted(
        ["endpoints", "existing endpoints", *example_prod.config.loop.egress_prefix_lists]
    )
