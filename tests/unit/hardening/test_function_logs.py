"""Every Lambda function of the app, aws-cdk-lib's own included, logs to an encrypted, expiring group."""

from __future__ import annotations

from tests.conftest import SynthesizedEnvironment


def test_every_function_logs_to_an_encrypted_log_group_that_expires(
    environment: SynthesizedEnvironment,
) -> None:
    checked = []
    for stack in (*environment.assembly.stacks, *environment.assembly.products):
        groups = stack.resources_of_type("AWS::Logs::LogGroup")
        for logical_id, function in stack.resources_of_type("AWS::Lambda::Function").items():
            where = (stack.display_name, function["Metadata"]["aws:cdk:path"])
            # Without LoggingConfig, Lambda creates /aws/lambda/<name> itself:
            # unencrypted, kept forever.
            reference = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
            assert isinstance(reference, dict) and set(reference) == {"Ref"}, where
            group = groups[reference["Ref"]]["Properties"]
            assert "KmsKeyId" in group, where
            assert group["RetentionInDays"] == environment.config.log_retention_days or (
                group["RetentionInDays"] == environment.config.network.flow_log_retention_days
            ), where
            checked.append(logical_id)
    assert len(checked) >= 8, checked  # the loop's four and aws-cdk-lib's handlers


def test_the_default_security_group_handler_logs_to_the_logs_key(
    sandbox: SynthesizedEnvironment,
) -> None:
    network = sandbox.assembly.stack("sandbox/Network")
    (handler,) = [
        function
        for function in network.resources_of_type("AWS::Lambda::Function").values()
        if function["Metadata"]["aws:cdk:path"].endswith(
            "/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler"
        )
    ]
    group = network.resources[handler["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert group["DeletionPolicy"] == "Retain"
    key = group["Properties"]["KmsKeyId"]
    assert "LogsKey" in key["Fn::ImportValue"], key
