"""X-Ray: a function traces only where its traces can leave (Lambda's network or an endpoint)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from cd4ml_constructs.loop import FunctionNetwork, LoopFunction
from config.network import INTERFACE_ENDPOINTS
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import FUNCTIONS, properties_at, stack


def _function_template(*, tracing: bool) -> dict[str, Any]:
    scope = cdk.Stack()
    key = kms.Key(scope, "Key")
    vpc = ec2.Vpc(scope, "Vpc", max_azs=2, nat_gateways=0)
    group = ec2.SecurityGroup(scope, "Group", vpc=vpc, allow_all_outbound=False)
    LoopFunction(
        scope,
        "Check",
        folder="drift_check",
        description="Checks drift",
        environment={},
        logs_key=key,
        log_retention_days=30,
        messages_key=key,
        alarm_topic=sns.Topic(scope, "Alarms"),
        shared_packages=(),
        network=FunctionNetwork(
            vpc=vpc,
            subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_group=group,
        ),
        tracing=tracing,
    )
    return Template.from_stack(scope).to_json()


def _xray_actions(template: dict[str, Any]) -> list[str]:
    return [
        action
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
        if action.startswith("xray:")
    ]


def test_a_function_without_a_way_out_for_traces_does_not_trace() -> None:
    template = _function_template(tracing=False)
    functions = Template.from_json(template).find_resources("AWS::Lambda::Function")
    (function,) = [
        f for f in functions.values() if "drift_check" in str(f["Properties"]["Handler"])
    ]
    assert "TracingConfig" not in function["Properties"]
    assert _xray_actions(template) == []


def test_a_tracing_function_traces_and_may_upload_segments() -> None:
    template = _function_template(tracing=True)
    Template.from_json(template).has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "drift_check.handler.handler", "TracingConfig": {"Mode": "Active"}},
    )
    assert sorted(_xray_actions(template)) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def test_xray_is_an_endpoint_environments_may_choose() -> None:
    assert "xray" in INTERFACE_ENDPOINTS


def test_in_vpc_functions_trace_when_the_vpc_has_an_xray_endpoint(
    environment: SynthesizedEnvironment,
) -> None:
    config = environment.config
    reachable = not config.loop.functions_in_vpc or "xray" in config.network.interface_endpoints
    assert reachable  # both shipped environments can deliver traces
    loop = stack(environment, "Loop")
    for name in FUNCTIONS:
        function = properties_at(loop, f"{name}/Function/Resource")
        assert function["TracingConfig"] == {"Mode": "Active"}, name
