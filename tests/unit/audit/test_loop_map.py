"""Loop map: events to functions to pipelines, model groups and endpoints; the audit table."""

from __future__ import annotations

from typing import Any

from tools.audit.bundle import Part

CHURN = "ProjectChurn/Churn/Registry"
# The project template (a product stack of the catalog): every project created from it.
TEMPLATE = "ProjectCatalog/ProjectTemplate/Template/Project/Registry"
FROM_TEMPLATE = "${parameter:SageMakerProjectName}"


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
    assert f"{CHURN}/RetrainSchedule" in sources
    may = {m["capability"]: m for m in retrain["may"]}
    assert may["starts model-build pipeline"]["projects"] == [
        "churn: cd4ml-sandbox-churn-build (allowed)",
        f"{FROM_TEMPLATE}: cd4ml-sandbox-{FROM_TEMPLATE}-build (allowed)",
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
    assert triggers["Loop/RetrainTrigger/DriftAlarmRule"] == [
        f"{TEMPLATE}/DriftMonitor/Alarm",
        f"{CHURN}/DriftMonitor/Alarm",
    ]
    assert triggers["Loop/RetrainTrigger/RawDataRule"] == ["DataLake/RawZone/Bucket"]
    assert triggers["Loop/QualityGate/PendingApprovalRule"] == [
        f"{TEMPLATE}/ModelPackageGroup",
        f"{CHURN}/ModelPackageGroup",
    ]
    # A pipeline run is not a resource of the templates: nothing to name.
    assert triggers["Loop/RetrainTrigger/BuildRunEndedRule"] == []


def test_the_drift_check_feeds_the_drift_alarm(sandbox_bundle: dict[str, Part]) -> None:
    drift = _function(sandbox_bundle, "DriftCheck")
    assert drift["feeds_alarms"] == [
        f"{TEMPLATE}/DriftMonitor/Alarm",
        f"{CHURN}/DriftMonitor/Alarm",
    ]
    assert _function(sandbox_bundle, "QualityGate")["feeds_alarms"] == []


def test_each_project_stack_closes_the_loop(sandbox_bundle: dict[str, Part]) -> None:
    projects = {p["stack"]: p for p in sandbox_bundle["loop-map"].data["projects"]}
    churn = projects["sandbox-project-churn"]
    assert (churn["project"], churn["kind"]) == ("churn", "project stack")
    assert churn["events_to_the_loop"] == [
        f"{CHURN}/DriftMonitor/Alarm -> Loop/RetrainTrigger/DriftAlarmRule"
        " -> Loop/RetrainTrigger/Function",
        f"{CHURN}/ModelPackageGroup -> Loop/DeployTrigger/ApprovalDecisionRule"
        " -> Loop/DeployTrigger/Function",
        f"{CHURN}/ModelPackageGroup -> Loop/QualityGate/PendingApprovalRule"
        " -> Loop/QualityGate/Function",
    ]
    assert churn["metrics_to_alarms"] == [f"Loop/DriftCheck/Function -> {CHURN}/DriftMonitor/Alarm"]
    assert churn["loop_may"] == [
        "Loop/DeployTrigger/Function starts deploy pipeline cd4ml-sandbox-churn-deploy (allowed)",
        "Loop/QualityGate/Function approves or rejects models of cd4ml-sandbox-churn/1 (allowed)",
        "Loop/RetrainTrigger/Function starts model-build pipeline cd4ml-sandbox-churn-build"
        " (allowed)",
    ]
    template = next(p for p in projects.values() if p["kind"] == "product template")
    assert template["project"] == FROM_TEMPLATE
    assert template["schedules"] == [
        f"{TEMPLATE}/DriftMonitor/CheckSchedule (rate(1 hour)) -> Loop/DriftCheck/Function"
    ]
    assert "## Projects" in sandbox_bundle["loop-map"].page
