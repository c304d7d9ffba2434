"""The loop's EventBridge rules: exact patterns, real events in, near misses out."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthesizedEnvironment
from tests.unit.loop.template_reading import project_stack, properties_at, resource_at, stack
from tools.event_patterns import UnsupportedFilter, matches, rules_of, substitute

EVENTS = Path(__file__).parents[2] / "lambdas" / "loop" / "events"
RAW_BUCKET = "cd4ml-sandbox-raw"  # the raw bucket's name in the sample events

RULES = {
    "RetrainTrigger/DriftAlarmRule": {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"wildcard": "cd4ml-sandbox-*-drift"}],
            "state": {"value": ["ALARM"]},
        },
    },
    "RetrainTrigger/RawDataRule": {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": ["<raw bucket>"]}},
    },
    "RetrainTrigger/BuildRunEndedRule": {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
        "detail": {
            "currentPipelineExecutionStatus": ["Succeeded", "Failed", "Stopped"],
            "pipelineArn": [{"wildcard": "arn:*:sagemaker:*:*:pipeline/cd4ml-sandbox-*-build"}],
        },
    },
    "QualityGate/PendingApprovalRule": {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {
            "ModelPackageGroupName": [{"prefix": "cd4ml-sandbox-"}],
            "ModelApprovalStatus": ["PendingManualApproval"],
        },
    },
    "DeployTrigger/ApprovalDecisionRule": {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {
            "ModelPackageGroupName": [{"prefix": "cd4ml-sandbox-"}],
            "ModelApprovalStatus": ["Approved", "Rejected"],
        },
    },
}

# Which rule each sample event must reach (and no other).
SAMPLES = {
    "drift_alarm_state_change.json": "RetrainTrigger/DriftAlarmRule",
    "raw_object_created.json": "RetrainTrigger/RawDataRule",
    "build_pipeline_execution_succeeded.json": "RetrainTrigger/BuildRunEndedRule",
    "model_package_pending_approval.json": "QualityGate/PendingApprovalRule",
    "model_package_approved.json": "DeployTrigger/ApprovalDecisionRule",
    "model_package_rejected.json": "DeployTrigger/ApprovalDecisionRule",
}


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text(encoding="utf-8")))


def deployed_patterns(sandbox: SynthesizedEnvironment) -> dict[str, dict[str, Any]]:
    """Rule path -> pattern, with the raw bucket's import replaced by its sample name."""
    loop = stack(sandbox, "Loop")
    raw_name = properties_at(loop, "RetrainTrigger/Function/Resource")["Environment"]["Variables"][
        "RAW_BUCKET_NAME"
    ]
    replacements = {json.dumps(raw_name, sort_keys=True): RAW_BUCKET}
    by_id = {rule.logical_id: rule for rule in rules_of(loop.template)}
    patterns = {}
    for path in RULES:
        logical_id, _ = resource_at(loop, f"{path}/Resource")
        patterns[path] = substitute(by_id[logical_id].pattern, replacements)
    assert len(by_id) == len(RULES), "a rule without a test"
    return patterns


def mutated(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(event)
    *parents, last = path.split(".")
    node = copied
    for part in parents:
        node = node[part]
    node[last] = value
    return copied


def test_rules_have_exactly_the_contract_patterns(sandbox: SynthesizedEnvironment) -> None:
    expected = copy.deepcopy(RULES)
    expected["RetrainTrigger/RawDataRule"]["detail"]["bucket"]["name"] = [RAW_BUCKET]
    assert deployed_patterns(sandbox) == expected


def test_each_sample_event_reaches_exactly_its_rule(sandbox: SynthesizedEnvironment) -> None:
    patterns = deployed_patterns(sandbox)
    for name, rule in SAMPLES.items():
        event = sample(name)
        matched = [path for path, pattern in patterns.items() if matches(pattern, event)]
        assert matched == [rule], name


def test_scheduled_retrains_reach_no_rule(sandbox: SynthesizedEnvironment) -> None:
    # Scheduler invokes the retrain trigger directly: no rule may also fire on it.
    patterns = deployed_patterns(sandbox)
    event = sample("scheduled_retrain.json")
    assert not any(matches(pattern, event) for pattern in patterns.values())


@pytest.mark.parametrize(
    ("name", "path", "value"),
    [
        ("drift_alarm_state_change.json", "detail.state.value", "OK"),
        ("drift_alarm_state_change.json", "detail.state.value", "INSUFFICIENT_DATA"),
        ("drift_alarm_state_change.json", "detail.alarmName", "cd4ml-sandbox2-churn-drift"),
        ("drift_alarm_state_change.json", "detail.alarmName", "CD4ML-SANDBOX-churn-drift"),
        # The platform's own error and queue alarms share the prefix, not the suffix.
        ("drift_alarm_state_change.json", "detail.alarmName", "cd4ml-sandbox-loop-errors"),
        (
            "build_pipeline_execution_succeeded.json",
            "detail.pipelineArn",
            "arn:aws:sagemaker:us-east-1:123456789012:pipeline/other-team-build",
        ),
        ("drift_alarm_state_change.json", "source", "aws.events"),
        ("raw_object_created.json", "detail.bucket.name", "cd4ml-sandbox-curated"),
        ("raw_object_created.json", "detail-type", "Object Deleted"),
        (
            "build_pipeline_execution_succeeded.json",
            "detail.currentPipelineExecutionStatus",
            "Executing",
        ),
        (
            "build_pipeline_execution_succeeded.json",
            "detail.currentPipelineExecutionStatus",
            "Stopping",
        ),
        ("model_package_pending_approval.json", "detail.ModelPackageGroupName", "cd4ml-prod-churn"),
        ("model_package_approved.json", "detail.ModelPackageGroupName", "churn"),
        ("model_package_approved.json", "detail.ModelApprovalStatus", "approved"),
        (
            "model_package_approved.json",
            "detail-type",
            "SageMaker Model Package Group State Change",
        ),
    ],
)
def test_near_misses_reach_no_rule(
    sandbox: SynthesizedEnvironment, name: str, path: str, value: str
) -> None:
    patterns = deployed_patterns(sandbox)
    event = mutated(sample(name), path, value)
    assert [p for p, pattern in patterns.items() if matches(pattern, event)] == []


def test_each_projects_drift_alarm_is_heard_by_the_retrain_rule(
    environment: SynthesizedEnvironment,
) -> None:
    loop = stack(environment, "Loop")
    logical_id, _ = resource_at(loop, "RetrainTrigger/DriftAlarmRule/Resource")
    (rule,) = [r for r in rules_of(loop.template) if r.logical_id == logical_id]
    alarms = [
        alarm["Properties"]
        for project in environment.config.projects
        for alarm in project_stack(environment, project.name)
        .resources_of_type("AWS::CloudWatch::Alarm")
        .values()
        if alarm["Properties"].get("Namespace") == "CD4ML/Drift"
    ]
    assert len(alarms) == len(environment.config.projects)
    for alarm in alarms:
        event = mutated(
            sample("drift_alarm_state_change.json"), "detail.alarmName", alarm["AlarmName"]
        )
        assert matches(rule.pattern, event), alarm["AlarmName"]


def test_every_rule_target_retries_and_dead_letters(environment: SynthesizedEnvironment) -> None:
    loop = stack(environment, "Loop")
    for rule in loop.resources_of_type("AWS::Events::Rule").values():
        assert rule["Properties"]["State"] == "ENABLED"
        assert "EventBusName" not in rule["Properties"]  # the default bus
        (target,) = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": 8,
            "MaximumEventAgeInSeconds": 7200,
        }
        queue = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        function = target["Arn"]["Fn::GetAtt"][0]
        assert queue.startswith(function.split("Function")[0]) and "DeliveryQueue" in queue


# --- the matcher itself -------------------------------------------------------

# JSON true and 1 differ for EventBridge; moto's Python comparison treats them alike.
BOOLEAN_IS_NOT_A_NUMBER: tuple[dict[str, Any], dict[str, Any], bool] = (
    {"detail": {"b": [True]}},
    {"detail": {"b": 1}},
    False,
)
MATCHER_CASES: list[tuple[dict[str, Any], dict[str, Any], bool]] = [
    ({"source": ["a"]}, {"source": "a"}, True),
    ({"source": ["a"]}, {"source": "b"}, False),
    ({"source": ["a"]}, {}, False),
    ({"detail": {"n": [5]}}, {"detail": {"n": 5.0}}, True),
    ({"detail": {"n": ["5"]}}, {"detail": {"n": 5}}, False),
    ({"detail": {"b": [True]}}, {"detail": {"b": True}}, True),
    BOOLEAN_IS_NOT_A_NUMBER,
    ({"detail": {"v": [None]}}, {"detail": {"v": None}}, True),
    ({"detail": {"k": [{"prefix": "ab"}]}}, {"detail": {"k": "abc"}}, True),
    ({"detail": {"k": [{"prefix": "ab"}]}}, {"detail": {"k": "xab"}}, False),
    ({"detail": {"k": [{"prefix": "ab"}]}}, {"detail": {"k": 12}}, False),
    ({"detail": {"k": [{"suffix": ".csv"}]}}, {"detail": {"k": "a/b.csv"}}, True),
    ({"detail": {"k": [{"suffix": ".csv"}]}}, {"detail": {"k": "a/b.csv.gz"}}, False),
    ({"detail": {"k": [{"equals-ignore-case": "ALARM"}]}}, {"detail": {"k": "alarm"}}, True),
    ({"detail": {"k": [{"prefix": {"equals-ignore-case": "AB"}}]}}, {"detail": {"k": "abc"}}, True),
    (
        {"detail": {"k": [{"wildcard": "cd4ml-*-drift"}]}},
        {"detail": {"k": "cd4ml-x-y-drift"}},
        True,
    ),
    (
        {"detail": {"k": [{"wildcard": "cd4ml-*-drift"}]}},
        {"detail": {"k": "cd4ml-x-drifts"}},
        False,
    ),
    ({"detail": {"k": [{"anything-but": ["a", "b"]}]}}, {"detail": {"k": "c"}}, True),
    ({"detail": {"k": [{"anything-but": ["a", "b"]}]}}, {"detail": {"k": "a"}}, False),
    ({"detail": {"k": [{"anything-but": ["a"]}]}}, {"detail": {}}, False),
    ({"detail": {"k": [{"anything-but": {"prefix": "tmp/"}}]}}, {"detail": {"k": "tmp/x"}}, False),
    ({"detail": {"k": [{"anything-but": {"prefix": "tmp/"}}]}}, {"detail": {"k": "data/x"}}, True),
    ({"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"detail": {"n": 5}}, True),
    ({"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"detail": {"n": 0}}, False),
    ({"detail": {"n": [{"numeric": ["=", 3]}]}}, {"detail": {"n": "3"}}, False),
    ({"detail": {"k": [{"exists": True}]}}, {"detail": {"k": None}}, True),
    ({"detail": {"k": [{"exists": True}]}}, {"detail": {}}, False),
    ({"detail": {"k": [{"exists": False}]}}, {"detail": {}}, True),
    ({"detail": {"k": [{"exists": False}]}}, {"detail": {"k": "v"}}, False),
    ({"detail": {"o": {"k": [{"exists": False}]}}}, {"detail": {}}, True),
    ({"detail": {"k": ["a", "b"]}}, {"detail": {"k": ["z", "b"]}}, True),
    ({"detail": {"k": ["a"]}}, {"detail": {"k": []}}, False),
    ({"detail": {"o": {"k": ["a"]}}}, {"detail": {"o": "a"}}, False),
    (
        {"detail": {"$or": [{"a": ["1"]}, {"b": [{"prefix": "x"}]}]}},
        {"detail": {"b": "xyz"}},
        True,
    ),
    ({"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}}, {"detail": {"b": "3"}}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), MATCHER_CASES)
def test_matcher(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        case
        for case in MATCHER_CASES
        if case is not BOOLEAN_IS_NOT_A_NUMBER and "$or" not in str(case)
    ],
)
def test_matcher_agrees_with_moto(
    pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    # moto's EventBridge pattern matching: an independent implementation.
    events_models = pytest.importorskip("moto.events.models")
    moto_pattern = events_models.EventPattern.load(json.dumps(pattern))
    assert moto_pattern.matches_event(event) is expected


@pytest.mark.parametrize(
    "pattern",
    [
        {"detail": {"ip": [{"cidr": "10.0.0.0/8"}]}},
        {"detail": {"k": [{"prefix": "a", "suffix": "b"}]}},
        {"detail": {"k": "a"}},
    ],
)
def test_matcher_refuses_what_it_cannot_judge(pattern: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedFilter):
        matches(pattern, {"detail": {"k": "a", "ip": "10.1.2.3"}})
