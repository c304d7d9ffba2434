"""MlProject: registry, policy, team topic, schedules and drift monitor of each project.

The policy, the scheduled retrain and the drift check payload are read back
with the loop functions' own parsers, so the CDK side and the runtime cannot
disagree on a contract without a test failing.
"""

from __future__ import annotations

import json
from typing import Any

from drift_check.request import DriftCheckRequest
from loop_common.events import SCHEDULED_RETRAIN, ScheduledRetrainDetail, accept_envelope
from loop_common.naming import ResourceNames
from loop_common.policy import parse_policy
from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import (
    pascal,
    project_stack,
    properties_at,
    resource_at,
    role_permissions,
    stack,
)

ACCOUNT = "123456789012"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:cd4ml-sandbox-churn-notifications"


def joined(value: Any, replacements: dict[str, str]) -> str:
    """A string property built with ``Fn::Join``, each intrinsic replaced by its stand-in."""
    if isinstance(value, str):
        return value
    delimiter, parts = value["Fn::Join"]
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        else:
            key = json.dumps(part, sort_keys=True)
            matches = [text for fragment, text in replacements.items() if fragment in key]
            assert len(matches) == 1, (key, replacements)
            texts.append(matches[0])
    return str(delimiter).join(texts)


def test_model_package_group_is_named_by_contract_and_retained(
    environment: SynthesizedEnvironment,
) -> None:
    for project in environment.config.projects:
        name = f"cd4ml-{environment.config.name}-{project.name}"
        _, group = resource_at(
            project_stack(environment, project.name),
            f"{pascal(project.name)}/Registry/ModelPackageGroup",
        )
        assert group["Properties"]["ModelPackageGroupName"] == name
        assert group["DeletionPolicy"] == "Retain"


def test_registry_policy_lets_the_own_account_read_and_nothing_more(
    sandbox: SynthesizedEnvironment, example_prod: SynthesizedEnvironment
) -> None:
    sandbox_group = properties_at(
        project_stack(sandbox, "churn"), "Churn/Registry/ModelPackageGroup"
    )
    (statement,) = sandbox_group["ModelPackageGroupPolicy"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == [
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
    ]
    (principal,) = statement["Principal"]["AWS"]
    assert {"Ref": "AWS::AccountId"} in principal["Fn::Join"][1]
    resources = [str(r) for r in statement["Resource"]]
    assert resources[0].endswith(":model-package-group/cd4ml-sandbox-churn']]}")
    assert resources[1].endswith(":model-package/cd4ml-sandbox-churn/*']]}")

    prod_group = properties_at(
        project_stack(example_prod, "credit-risk"), "CreditRisk/Registry/ModelPackageGroup"
    )
    (statement,) = prod_group["ModelPackageGroupPolicy"]["Statement"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}


def test_policy_parameter_holds_the_projects_policy_as_the_functions_read_it(
    sandbox: SynthesizedEnvironment,
) -> None:
    parameter = properties_at(project_stack(sandbox, "churn"), "Churn/Registry/Policy/Resource")
    assert parameter["Name"] == "/cd4ml/sandbox/projects/churn"
    assert parameter["Type"] == "String"
    assert parameter["Tier"] == "Standard"
    text = joined(parameter["Value"], {"ChurnRegistryNotificationsTopic": TOPIC_ARN})
    document = json.loads(text)
    assert document == {
        "schema_version": 1,
        "project": "churn",
        "team": "forecasting",
        "model_package_group": "cd4ml-sandbox-churn",
        "metric": {"name": "auc", "direction": "higher"},
        "min_threshold": 0.75,
        "min_improvement": 0,
        "approval_mode": "auto",
        "retrain": {"enabled": True, "cooldown_minutes": 360, "raw_prefix": "churn/"},
        "model_build_pipeline": "cd4ml-sandbox-churn-build",
        "deploy_pipeline": "cd4ml-sandbox-churn-deploy",
        "notification_topic_arn": TOPIC_ARN,
        "drift_alarm_name": "cd4ml-sandbox-churn-drift",
    }
    assert text == json.dumps(document, sort_keys=True, separators=(",", ":"))
    policy = parse_policy(
        text,
        parameter=parameter["Name"],
        project="churn",
        names=ResourceNames("cd4ml-sandbox"),
    )
    assert policy.approval_mode == "auto" and policy.min_threshold == 0.75


def test_prod_policy_asks_for_manual_approval(example_prod: SynthesizedEnvironment) -> None:
    parameter = properties_at(
        project_stack(example_prod, "credit-risk"), "CreditRisk/Registry/Policy/Resource"
    )
    topic = "arn:aws:sns:eu-west-1:111122223333:cd4ml-example-prod-credit-risk-notifications"
    text = joined(parameter["Value"], {"CreditRiskRegistryNotificationsTopic": topic})
    policy = parse_policy(
        text,
        parameter=parameter["Name"],
        project="credit-risk",
        names=ResourceNames("cd4ml-example-prod"),
    )
    assert (policy.approval_mode, policy.metric.direction) == ("manual", "lower")


def test_team_topic_is_named_for_the_loop_functions_grant(
    environment: SynthesizedEnvironment,
) -> None:
    for project in environment.config.projects:
        projects = project_stack(environment, project.name)
        construct = f"{pascal(project.name)}/Registry"
        topic = properties_at(projects, f"{construct}/Notifications/Topic/Resource")
        assert topic["TopicName"] == f"cd4ml-{environment.config.name}-{project.name}-notifications"
        subscriptions = [
            s["Properties"]
            for s in projects.resources_of_type("AWS::SNS::Subscription").values()
            if construct in s["Metadata"]["aws:cdk:path"]
        ]
        assert sorted(s["Endpoint"] for s in subscriptions) == sorted(project.notification_emails)
        for subscription in subscriptions:
            assert subscription["Protocol"] == "email"
            assert "Undelivered" in str(subscription["RedrivePolicy"])


def test_scheduled_retrain_sends_what_the_retrain_trigger_accepts(
    sandbox: SynthesizedEnvironment,
) -> None:
    schedule = properties_at(
        project_stack(sandbox, "churn"), "Churn/Registry/RetrainSchedule/Resource"
    )
    assert schedule["ScheduleExpression"] == "cron(0 3 ? * MON *)"
    assert schedule["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert schedule["State"] == "ENABLED"
    assert "platformloopretraintriggerarn" in str(schedule["Target"]["Arn"])
    template = joined(schedule["Target"]["Input"], {"AWS::AccountId": ACCOUNT})
    event = json.loads(
        template.replace(
            "<aws.scheduler.execution-id>", "2c9f7a52-0b41-4d0c-9a58-3f1d8e6b7c10"
        ).replace("<aws.scheduler.scheduled-time>", "2024-05-06T03:00:00Z")
    )
    envelope = accept_envelope(event, ACCOUNT)
    assert envelope.kind == SCHEDULED_RETRAIN
    assert ScheduledRetrainDetail.model_validate(envelope.detail).project == "churn"


def test_drift_check_schedule_sends_what_the_drift_check_accepts(
    sandbox: SynthesizedEnvironment,
) -> None:
    schedule = properties_at(
        project_stack(sandbox, "churn"), "Churn/Registry/DriftMonitor/CheckSchedule/Resource"
    )
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert "platformloopdriftcheckarn" in str(schedule["Target"]["Arn"])
    template = joined(
        schedule["Target"]["Input"], {"platformbucketsartifactsbucketname": "artifacts-bucket"}
    )
    payload = json.loads(
        template.replace("<aws.scheduler.execution-id>", "e-1").replace(
            "<aws.scheduler.scheduled-time>", "2024-05-06T03:00:00Z"
        )
    )
    request = DriftCheckRequest.from_event(payload)
    assert (request.project, request.endpoint_name) == ("churn", "cd4ml-sandbox-churn-prod")
    assert request.window_hours == 24
    assert request.capture.uri.rstrip("/") == "s3://artifacts-bucket/data-capture"


def test_schedules_retry_dead_letter_and_encrypt(environment: SynthesizedEnvironment) -> None:
    schedules = [
        schedule
        for project in environment.config.projects
        for schedule in project_stack(environment, project.name)
        .resources_of_type("AWS::Scheduler::Schedule")
        .values()
    ]
    assert len(schedules) == 2 * len(environment.config.projects)
    for schedule in schedules:
        properties = schedule["Properties"]
        target = properties["Target"]
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": 8,
            "MaximumEventAgeInSeconds": 7200,
        }
        assert "ScheduleDeadLetters" in str(target["DeadLetterConfig"])
        assert "ScheduleRole" in str(target["RoleArn"])
        assert "platformkeysmessageskeyarn" in str(properties["KmsKeyArn"])


def test_schedule_role_only_invokes_the_two_functions(sandbox: SynthesizedEnvironment) -> None:
    projects = project_stack(sandbox, "churn")
    _, role = resource_at(projects, "Churn/Registry/ScheduleRole/Resource")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    permissions = role_permissions(projects, "Churn/Registry/ScheduleRole")
    invoked = sorted(
        r for r, actions in permissions.items() if actions == {"lambda:InvokeFunction"}
    )
    assert [("retraintrigger" in r) or ("driftcheck" in r) for r in invoked] == [True] * 4
    others = {a for r, actions in permissions.items() if r not in invoked for a in actions}
    assert others == {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
    }


def test_drift_alarm_watches_the_metric_the_drift_check_publishes(
    environment: SynthesizedEnvironment,
) -> None:
    # The platform's alarm topic, as the project stack reads it from the contract.
    topic = "platformtopicsalarmtopicarn"
    name = environment.config.name
    for project in environment.config.projects:
        projects = project_stack(environment, project.name)
        construct = f"{pascal(project.name)}/Registry"
        alarm = properties_at(projects, f"{construct}/DriftMonitor/Alarm/Resource")
        drift = project.drift
        assert alarm["AlarmName"] == f"cd4ml-{name}-{project.name}-drift"
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
            "CD4ML/Drift",
            "DriftScore",
            "Maximum",
        )
        assert sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"]) == [
            ("Endpoint", f"cd4ml-{name}-{project.name}-prod"),
            ("Project", project.name),
        ]
        assert alarm["Threshold"] == drift.threshold
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (
            drift.datapoints_to_alarm,
            drift.evaluation_periods,
        )
        assert alarm["Period"] == drift.period_hours * 3600
        assert alarm["TreatMissingData"] == "notBreaching"
        assert topic in str(alarm["AlarmActions"]) and topic in str(alarm["OKActions"])
