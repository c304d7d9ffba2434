"""Loop map: events to functions to pipelines, model groups and endpoints; the audit table."""

from __future__ import annotations

from typing import Any

from tools.audit.bundle import Part


def _function(bundle: dict[str, Part], name: str) -> dict[str, Any]:
    return next(
        f for f in bundle["loop-map"].data["functions"] if f["function"] == f"Loop/{name}/Function"
    )


def test_the_drift_alarm_can_start_the_build_pipeline(sandbox_bundle: dict[str, Part]) -> None:
    retrain = _function(sandbox_bundle, "RetrainTrigger")
    alarm = next(
        t for t in retrain["triggered_by"] if t["source"] == "Loop/RetrainTrigger/DriftAlarmRule"
    )
    assert alarm["pattern"]["detail"]["alarmName"] == [{"wildcard": "cd4ml-sandbox-*-drift"}]
    sources = {t["source"] for t in retrain["triggered_by"]}
    assert "Projects/Churn/RetrainSchedule" in sources
    may = {m["capability"]: m for m in retrain["may"]}
    assert may["starts model-build pipeline"]["projects"] == [
        "churn: cd4ml-sandbox-churn-build (allowed)"
    ]
    assert set(may) == {"starts model-build pipeline"}
    assert (
        "events.amazonaws.com from Loop/RetrainTrigger/DriftAlarmRule"
        in retrain["invoke_permissions"]
    )


def test_only_the_quality_gate_approves_and_only_the_deploy_trigger_deploys(
    sandbox_bundle: dict[str, Part],
) -> None:
    by_capability: dict[str, list[str]] = {}
    for function in sandbox_bundle["loop-map"].data["functions"]:
        for reach in function["may"]:
            by_capability.setdefault(reach["capability"], []).append(function["function"])
    assert by_capability["approves or rejects models of"] == ["Loop/QualityGate/Function"]
    assert by_capability["starts deploy pipeline"] == ["Loop/DeployTrigger/Function"]
    gate = _function(sandbox_bundle, "QualityGate")
    assert gate["triggered_by"][0]["pattern"]["detail"]["ModelApprovalStatus"] == [
        "PendingManualApproval"
    ]


def test_the_map_says_where_the_audit_trail_is(sandbox_bundle: dict[str, Part]) -> None:
    trail = sandbox_bundle["loop-map"].data["audit_trail"]
    assert (trail["table"], trail["stack"]) == ("LoopState/Tables/AuditTable", "sandbox-loop-state")
    assert (trail["partition_key"], trail["sort_key"]) == ("project", "decision_id")
    assert trail["point_in_time_recovery"] and trail["deletion_protection"]
    assert trail["writers"] == [
        "Loop/DeployTrigger/Role",
        "Loop/QualityGate/Role",
        "Loop/RetrainTrigger/Role",
    ]
    assert "LoopState/Tables/AuditTable" in sandbox_bundle["loop-map"].page


def test_rules_name_the_resources_whose_events_they_match(sandbox_bundle: dict[str, Part]) -> None:
    triggers = {
        t["source"]: t["emitted_by"]
        for f in sandbox_bundle["loop-map"].data["functions"]
        for t in f["triggered_by"]
    }
    assert triggers["Loop/RetrainTrigger/DriftAlarmRule"] == ["Projects/Churn/DriftMonitor/Alarm"]
    assert triggers["Loop/RetrainTrigger/RawDataRule"] == ["DataLake/RawZone/Bucket"]
    assert triggers["Loop/QualityGate/PendingApprovalRule"] == ["Projects/Churn/ModelPackageGroup"]
    # A pipeline run is not a resource of the templates: nothing to name.
    assert triggers["Loop/RetrainTrigger/BuildRunEndedRule"] == []


def test_the_drift_check_feeds_the_drift_alarm(sandbox_bundle: dict[str, Part]) -> None:
    drift = _function(sandbox_bundle, "DriftCheck")
    assert drift["feeds_alarms"] == ["Projects/Churn/DriftMonitor/Alarm"]
    assert _function(sandbox_bundle, "QualityGate")["feeds_alarms"] == []
