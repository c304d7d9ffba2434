"""LoopStack: how failures surface (alarms, dead-letter queues, encrypted messaging)."""

from __future__ import annotations

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    FUNCTIONS,
    pascal,
    resource_at,
    stack,
)


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


@pytest.mark.parametrize(
    ("metric", "service", "what"),
    [
        ("LapsedBuildLeases", "retrain-trigger", "build lease lapsed"),
        ("LapsedDeployLocks", "deploy-trigger", "deploy lock lapsed"),
    ],
    ids=["build-lease", "deploy-lock"],
)
def test_a_lapsed_lease_or_lock_raises_an_alarm(
    environment: SynthesizedEnvironment, metric: str, service: str, what: str
) -> None:
    loop = stack(environment, "Loop")
    topic_id, _ = resource_at(loop, "AlarmTopic/Topic/Resource")
    alarms = [
        alarm["Properties"]
        for alarm in loop.resources_of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == metric
    ]
    assert len(alarms) == 1
    [alarm] = alarms
    assert alarm["Namespace"] == "CD4ML/Loop"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": service}]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": topic_id}]
    assert what in alarm["AlarmDescription"]
