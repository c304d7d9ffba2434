"""LoopStack: the loop functions, what each may do, and how failures surface."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    FUNCTIONS,
    pascal,
    properties_at,
    resource_at,
    role_permissions,
    stack,
    statement_with_sid,
)
from tests.unit.loop.test_published_layers import published_layer

# Resources as flattened by tools of cdk-nag (imports appear as their export name).
PARTITION_REGION_ACCOUNT = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:"

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


def sandbox_arn(service: str, rest: str) -> str:
    return PARTITION_REGION_ACCOUNT.format(service=service) + rest


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
        "REPORT_KMS_KEY_ID",
        "DRIFT_METRIC_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
    }
    assert drift["DRIFT_METRIC_NAMESPACE"] == "CD4ML/Drift"
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


COMMON_ACTIONS = {
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "sqs:SendMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
}
MESSAGES_KEY_SEND = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
TABLES_KEY = {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
RECORDS = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
IDEMPOTENCY = "<TablesIdempotencyTable.Arn>"
STATE = "<TablesStateTable.Arn>"
AUDIT = "<TablesAuditTable.Arn>"
TABLES_KEY_ARN = "<LoopTablesKey.Arn>"
MESSAGES_KEY = "<LoopMessagesKey.Arn>"
ARTIFACTS = "<ModelArtifactsBucket.Arn>"
ARTIFACTS_KEY = "<ArtifactsKey.Arn>"
POLICIES = sandbox_arn("ssm", "parameter/cd4ml/sandbox/projects/*")
PACKAGES = sandbox_arn("sagemaker", "model-package/cd4ml-sandbox-*/*")
TOPICS = sandbox_arn("sns", "cd4ml-sandbox-*-notifications")


_EXPORT = re.compile(r"[\w-]+:ExportsOutputFnGetAtt([A-Za-z]+?)[0-9A-F]{8}Arn[0-9A-F]{8}")


def _without_common(permissions: dict[str, set[str]]) -> dict[str, set[str]]:
    """Domain permissions, with other stacks' resources named ``<ConstructId.Arn>``."""
    trimmed = {}
    for exported, actions in permissions.items():
        resource = _EXPORT.sub(r"<\1.Arn>", exported)
        if resource == MESSAGES_KEY:
            actions = actions - MESSAGES_KEY_SEND
        elif resource.startswith("<") or resource == "*":
            actions = actions - COMMON_ACTIONS
        if actions:
            trimmed[resource] = actions
    return trimmed


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            "RetrainTrigger",
            {
                sandbox_arn("sagemaker", "pipeline/cd4ml-sandbox-*"): {
                    "sagemaker:StartPipelineExecution"
                },
                sandbox_arn("cloudwatch", "alarm:cd4ml-sandbox-*-drift"): {
                    "cloudwatch:DescribeAlarms"
                },
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                STATE: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
            },
        ),
        (
            "QualityGate",
            {
                PACKAGES: {"sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"},
                "*": {"sagemaker:ListModelPackages"},
                f"{ARTIFACTS}/*": {"s3:GetObject"},
                ARTIFACTS_KEY: {"kms:Decrypt"},
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
                TOPICS: {"sns:Publish"},
                MESSAGES_KEY: {"kms:GenerateDataKey"},
            },
        ),
        (
            "DeployTrigger",
            {
                PACKAGES: {"sagemaker:DescribeModelPackage"},
                "*": {"sagemaker:ListModelPackages"},
                sandbox_arn("codepipeline", "cd4ml-sandbox-*-deploy"): {
                    "codepipeline:StartPipelineExecution"
                },
                POLICIES: {"ssm:GetParameter"},
                IDEMPOTENCY: RECORDS,
                STATE: RECORDS,
                AUDIT: {"dynamodb:PutItem"},
                TABLES_KEY_ARN: TABLES_KEY,
                TOPICS: {"sns:Publish"},
                MESSAGES_KEY: {"kms:GenerateDataKey"},
            },
        ),
        (
            "DriftCheck",
            {
                f"{ARTIFACTS}/*": {"s3:GetObject"},
                ARTIFACTS: {"s3:ListBucket"},
                f"{ARTIFACTS}/drift-reports/*": {"s3:PutObject"},
                ARTIFACTS_KEY: {"kms:Decrypt", "kms:GenerateDataKey"},
                PACKAGES: {"sagemaker:DescribeModelPackage"},
                "*": {"cloudwatch:PutMetricData"},
            },
        ),
    ],
)
def test_each_function_may_do_exactly_what_its_code_calls(
    sandbox: SynthesizedEnvironment, function: str, expected: dict[str, set[str]]
) -> None:
    loop = stack(sandbox, "Loop")
    permissions = role_permissions(loop, f"{function}/Role")
    common = {resource: actions & COMMON_ACTIONS for resource, actions in permissions.items()}
    assert common["*"] == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    assert any(
        actions == {"logs:CreateLogStream", "logs:PutLogEvents"} and "LogGroup" in resource
        for resource, actions in common.items()
    )
    assert any(
        actions == {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
        and "FailureQueue" in resource
        for resource, actions in common.items()
    )
    assert _without_common(permissions) == expected


def test_conditions_narrow_metrics_and_listing(sandbox: SynthesizedEnvironment) -> None:
    loop = stack(sandbox, "Loop")
    metrics = statement_with_sid(loop, "DriftCheck/Role", "PublishDriftMetrics")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "CD4ML/Drift"}}
    listing = statement_with_sid(loop, "DriftCheck/Role", "ListCapture")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["data-capture/*"]}}


def test_every_function_alarms_on_errors_and_every_dead_letter_queue_on_depth(
    environment: SynthesizedEnvironment,
) -> None:
    loop = stack(environment, "Loop")
    topic_id, _ = resource_at(loop, "AlarmTopic/Topic/Resource")
    alarms = loop.resources_of_type("AWS::CloudWatch::Alarm").values()
    by_metric: dict[str, list[dict]] = {}
    for alarm in alarms:
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [{"Ref": topic_id}]
        assert properties["OKActions"] == [{"Ref": topic_id}]
        assert properties["Threshold"] == 1
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        by_metric.setdefault(properties["MetricName"], []).append(properties)
    errors = by_metric["Errors"]
    assert sorted(str(a["Dimensions"][0]["Value"]["Ref"])[:12] for a in errors) == sorted(
        resource_at(loop, f"{name}/Function/Resource")[0][:12] for name in FUNCTIONS
    )
    queues = loop.resources_of_type("AWS::SQS::Queue")
    depth = by_metric["ApproximateNumberOfMessagesVisible"]
    assert {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in depth} >= set(queues)


def test_queues_and_topics_use_the_loop_messages_key_and_refuse_plain_http(
    environment: SynthesizedEnvironment,
) -> None:
    # The loop's own stack holds the key; a project stack reads it from the contract.
    stacks = [("Loop", "LoopMessagesKey")] + [
        (f"Project{pascal(project.name)}", "platformkeysmessageskeyarn")
        for project in environment.config.projects
    ]
    for name, key in stacks:
        template = stack(environment, name)
        queues = template.resources_of_type("AWS::SQS::Queue")
        assert queues
        for queue in queues.values():
            assert key in str(queue["Properties"]["KmsMasterKeyId"])
            assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 86400
        for policy in template.resources_of_type("AWS::SQS::QueuePolicy").values():
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            assert {"Bool": {"aws:SecureTransport": "false"}} in [
                s.get("Condition") for s in statements if s["Effect"] == "Deny"
            ]
        topics = template.resources_of_type("AWS::SNS::Topic")
        assert topics
        for topic in topics.values():
            assert key in str(topic["Properties"]["KmsMasterKeyId"])
        policies = template.resources_of_type("AWS::SNS::TopicPolicy")
        assert len(policies) == len(topics)
        for policy in policies.values():
            statements = policy["Properties"]["PolicyDocument"]["Statement"]
            assert any(
                s["Effect"] == "Deny"
                and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                for s in statements
            )


def test_only_this_accounts_alarms_may_publish_to_the_alarm_topic(
    sandbox: SynthesizedEnvironment,
) -> None:
    loop = stack(sandbox, "Loop")
    (policy,) = loop.resources_of_type("AWS::SNS::TopicPolicy").values()
    (allow,) = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


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
    destinations = sorted(
        "endpoints"
        if "EndpointSecurityGroup" in str(rule.get("DestinationSecurityGroupId"))
        else rule["DestinationPrefixListId"]
        for rule in egress
    )
    assert destinations == sorted(["endpoints", *example_prod.config.loop.egress_prefix_lists])


def test_a_lapsed_build_lease_raises_an_alarm(environment: SynthesizedEnvironment) -> None:
    loop = stack(environment, "Loop")
    alarms = [
        alarm["Properties"]
        for alarm in loop.resources_of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "LapsedBuildLeases"
    ]
    assert len(alarms) == 1
    [alarm] = alarms
    assert alarm["Namespace"] == "CD4ML/Loop"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "retrain-trigger"}]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
