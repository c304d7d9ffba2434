"""Every Lambda function of the app: settings encrypted with our key, a failure path in sight."""

from __future__ import annotations

from typing import Any

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment
from tests.unit.studio.iam_reading import as_list, role_statements
from tools.cloud_assembly import SynthesizedStack

LOOP_FUNCTIONS = {"RetrainTrigger", "QualityGate", "DeployTrigger", "DriftCheck"}
# Functions aws-cdk-lib creates whose construct (CustomResourceProvider) takes
# no key, and which hold no environment variables to encrypt. CloudFormation
# invokes them for one custom resource and waits for their answer: a failure
# is that resource's failure, in the stack's events.
CUSTOM_RESOURCE_HANDLERS = {
    "Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler": (
        "Custom::VpcRestrictDefaultSG"
    ),
}
# aws-cdk-lib's singleton functions, one per stack that uses them: the
# AwsCustomResource SDK-call function (seed-code copy, template publishing,
# prefix-list lookup) and the BucketDeployment function of the catalog.
SINGLETON_HANDLERS = {
    "AWS679f53fac002430cb0da5b7982bd2287/Resource": "Custom::AWS",
    "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C/Resource": (
        "Custom::CDKBucketDeployment"
    ),
}


def functions(environment: SynthesizedEnvironment) -> list[tuple[SynthesizedStack, str, Any]]:
    return [
        (stack, logical_id, resource)
        for stack in environment.assembly.stacks
        for logical_id, resource in stack.resources_of_type("AWS::Lambda::Function").items()
    ]


def messages_key_export(environment: SynthesizedEnvironment) -> str:
    """The export of the loop's messages key ARN from the loop-state stack."""
    state = environment.assembly.stack(f"{environment.config.name}/LoopState")
    keys = [
        logical_id
        for logical_id, resource in state.resources_of_type("AWS::KMS::Key").items()
        if resource["Metadata"]["aws:cdk:path"].endswith("/LoopMessagesKey/Key/Resource")
        or "LoopMessagesKey" in logical_id
    ]
    assert len(keys) == 1, keys
    (name,) = [
        output["Export"]["Name"]
        for output in state.template["Outputs"].values()
        if output.get("Value") == {"Fn::GetAtt": [keys[0], "Arn"]}
    ]
    return str(name)


def loop_functions(environment: SynthesizedEnvironment) -> list[tuple[SynthesizedStack, str, Any]]:
    return [
        found
        for found in functions(environment)
        if not _custom_resource_handler(environment, found[2])
    ]


def _custom_resource_handler(environment: SynthesizedEnvironment, resource: Any) -> str | None:
    path = resource["Metadata"]["aws:cdk:path"].removeprefix(f"{environment.config.name}/")
    for suffix, custom_type in SINGLETON_HANDLERS.items():
        if path.endswith(f"/{suffix}"):
            return custom_type
    return CUSTOM_RESOURCE_HANDLERS.get(path)


def test_the_app_has_the_loop_functions_and_known_handlers_only(
    environment: SynthesizedEnvironment,
) -> None:
    paths = {resource["Metadata"]["aws:cdk:path"] for _, _, resource in loop_functions(environment)}
    assert paths == {
        f"{environment.config.name}/Loop/{name}/Function/Resource" for name in LOOP_FUNCTIONS
    }


def test_custom_resource_handlers_hold_no_settings_and_answer_cloudformation(
    environment: SynthesizedEnvironment,
) -> None:
    for stack, logical_id, resource in functions(environment):
        custom_type = _custom_resource_handler(environment, resource)
        if custom_type is None:
            continue
        if custom_type == "Custom::VpcRestrictDefaultSG":
            assert "Environment" not in resource["Properties"], logical_id
        callers = [
            other["Type"]
            for other in stack.resources.values()
            if other.get("Properties", {}).get("ServiceToken")
            == {"Fn::GetAtt": [logical_id, "Arn"]}
        ]
        assert callers and set(callers) == {custom_type}, logical_id


def test_every_function_encrypts_its_environment_with_the_messages_key(
    environment: SynthesizedEnvironment,
) -> None:
    export = messages_key_export(environment)
    found = loop_functions(environment)
    assert found
    for stack, logical_id, resource in found:
        properties = resource["Properties"]
        assert properties["Environment"]["Variables"], logical_id
        assert properties["KmsKeyArn"] == {"Fn::ImportValue": export}, logical_id
        # The role may decrypt with that key (Lambda's own grant does at start).
        role_id = properties["Role"]["Fn::GetAtt"][0]
        decrypting = [
            s
            for s in role_statements(stack, role_id)
            if s["Effect"] == "Allow"
            and "kms:Decrypt" in as_list(s["Action"])
            and {"Fn::ImportValue": export} in as_list(s["Resource"])
        ]
        assert decrypting, logical_id


def test_every_function_shows_where_its_failures_go(environment: SynthesizedEnvironment) -> None:
    for stack, logical_id, resource in loop_functions(environment):
        configs = [
            config["Properties"]
            for config in stack.resources_of_type("AWS::Lambda::EventInvokeConfig").values()
            if config["Properties"]["FunctionName"] == {"Ref": logical_id}
        ]
        dead_letter = resource["Properties"].get("DeadLetterConfig", {}).get("TargetArn")
        if dead_letter is None:
            (config,) = configs
            destination = config["DestinationConfig"]["OnFailure"]["Destination"]
            queue_id = destination["Fn::GetAtt"][0]
            assert destination == {"Fn::GetAtt": [queue_id, "Arn"]}
            queue = stack.resources[queue_id]
            assert queue["Type"] == "AWS::SQS::Queue", flatten(destination)
            assert "KmsMasterKeyId" in queue["Properties"], queue_id
            assert config["MaximumRetryAttempts"] == 2
            alarms = [
                alarm
                for alarm in stack.resources_of_type("AWS::CloudWatch::Alarm").values()
                if {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
                in alarm["Properties"].get("Dimensions", [])
            ]
            assert alarms, f"{logical_id}: no alarm on its failure queue {queue_id}"
