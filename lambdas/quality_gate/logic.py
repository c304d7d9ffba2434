"""Judge a model package waiting for approval against its project's policy and champion.

The gate reads the candidate's evaluation metric, the policy's threshold and
the current champion (the latest other Approved version of the group) and
decides:

- reject: the metric is missing, worse than ``min_threshold``, or not better
  than the champion by ``min_improvement`` (in the policy's direction);
- hold: the checks pass but the policy's approval mode is ``manual``, or the
  champion's metric cannot be read so no machine can compare the two;
- approve: the checks pass and the approval mode is ``auto``.

The decision and its evidence go into the package's ``ApprovalDescription``,
prefixed by a marker naming the event. The marker makes the gate safe to
re-run: the update that records a hold emits another PendingManualApproval
event, which finds the marker of an earlier event and is ignored, while a
retry of the same event finds its own marker and finishes the notification
and the audit record without deciding twice.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from botocore.client import BaseClient

from loop_common.audit import AuditTrail, AuditValue, decision_id
from loop_common.evaluation_report import MetricReading, read_metric
from loop_common.events import ModelPackageChange
from loop_common.model_registry import (
    APPROVED,
    PENDING_MANUAL_APPROVAL,
    REJECTED,
    ModelPackage,
    ModelRegistry,
)
from loop_common.notifications import Notifier
from loop_common.outcome import Decision, Outcome
from loop_common.package_decision import record_package_decision
from loop_common.policy import ProjectPolicy

FUNCTION_NAME = "quality-gate"

# Float subtraction must not turn an improvement of exactly min_improvement into a rejection.
IMPROVEMENT_TOLERANCE = 1e-9

_record = functools.partial(record_package_decision, function=FUNCTION_NAME)

_DESCRIPTION_LIMIT = 1024
_VERDICTS = (Decision.APPROVED, Decision.HELD, Decision.REJECTED)
_STATUS_FOR = {
    Decision.APPROVED: APPROVED,
    Decision.HELD: PENDING_MANUAL_APPROVAL,
    Decision.REJECTED: REJECTED,
}
_MARKER = re.compile(
    r"\[cd4ml-quality-gate event=(?P<event_id>[^\s\]]+) decision=(?P<decision>[a-z-]+)\] "
    r"(?P<reason>.*?)(?: \| evidence: .*)?",
    re.DOTALL,
)


@dataclass(frozen=True)
class Champion:
    """The version the candidate competes with.

    Attributes:
        arn: its model package ARN.
        version: its version number.
        reading: its metric, or why it could not be read.
    """

    arn: str
    version: int
    reading: MetricReading


@dataclass(frozen=True)
class Evidence:
    """What the gate knows when it judges a candidate."""

    candidate: MetricReading
    champion: Champion | None


@dataclass(frozen=True)
class Judgement:
    """The gate's verdict on a candidate and the reason, in plain words."""

    decision: Decision
    reason: str


@dataclass(frozen=True)
class GateMarker:
    """The gate's earlier decision as written at the start of an ``ApprovalDescription``."""

    event_id: str
    decision: Decision
    reason: str


def _number(value: float) -> str:
    return f"{value:.6g}"


def meets_threshold(value: float, policy: ProjectPolicy) -> bool:
    """True when ``value`` is no worse than ``min_threshold`` in the policy's direction."""
    if policy.metric.direction == "higher":
        return value >= policy.min_threshold
    return value <= policy.min_threshold


def improvement_over(value: float, champion_value: float, policy: ProjectPolicy) -> float:
    """How much better ``value`` is than ``champion_value`` (negative when worse)."""
    if policy.metric.direction == "higher":
        return value - champion_value
    return champion_value - value


def judge(policy: ProjectPolicy, evidence: Evidence) -> Judgement:
    """Decide approve, hold or reject from the evidence alone (no I/O)."""
    metric = policy.metric.name
    value = evidence.candidate.value
    if value is None:
        return Judgement(Decision.REJECTED, f"{evidence.candidate.problem}")
    if not meets_threshold(value, policy):
        side = "below the minimum" if policy.metric.direction == "higher" else "above the maximum"
        return Judgement(
            Decision.REJECTED,
            f"{metric} {_number(value)} is {side} of {_number(policy.min_threshold)} "
            "set in the project policy",
        )
    champion = evidence.champion
    comparison = "there is no approved champion yet"
    if champion is not None:
        champion_value = champion.reading.value
        if champion_value is None:
            return Judgement(
                Decision.HELD,
                f"{metric} {_number(value)} meets the threshold, but the champion (version "
                f"{champion.version}) cannot be compared: {champion.reading.problem}; "
                "a human must decide",
            )
        gain = improvement_over(value, champion_value, policy)
        if gain + IMPROVEMENT_TOLERANCE < policy.min_improvement:
            return Judgement(
                Decision.REJECTED,
                f"{metric} {_number(value)} does not beat the champion (version "
                f"{champion.version}, {metric} {_number(champion_value)}) by the required "
                f"{_number(policy.min_improvement)}",
            )
        comparison = (
            f"it beats the champion (version {champion.version}, {metric} "
            f"{_number(champion_value)}) by at least the required {_number(policy.min_improvement)}"
        )
    passed = f"{metric} {_number(value)} meets the threshold {_number(policy.min_threshold)} and "
    if policy.approval_mode == "manual":
        return Judgement(
            Decision.HELD,
            passed + comparison + "; the project's approval mode is manual, so a human approves",
        )
    return Judgement(Decision.APPROVED, passed + comparison)


def read_marker(approval_description: str) -> GateMarker | None:
    """The gate's marker at the start of ``approval_description``, if there is one."""
    match = _MARKER.fullmatch(approval_description)
    if match is None or match["decision"] not in {verdict.value for verdict in _VERDICTS}:
        return None
    return GateMarker(match["event_id"], Decision(match["decision"]), match["reason"])


def evidence_summary(policy: ProjectPolicy, evidence: Evidence) -> str:
    """The evidence in one line, for the approval description."""
    metric = policy.metric
    candidate = (
        _number(evidence.candidate.value)
        if evidence.candidate.value is not None
        else f"unreadable ({evidence.candidate.problem})"
    )
    parts = [
        f"{metric.name}={candidate} ({metric.direction} is better)",
        f"threshold={_number(policy.min_threshold)}",
        f"min_improvement={_number(policy.min_improvement)}",
        f"approval_mode={policy.approval_mode}",
    ]
    champion = evidence.champion
    if champion is None:
        parts.append("champion=none")
    elif champion.reading.value is None:
        parts.append(f"champion=v{champion.version} unreadable")
    else:
        parts.append(
            f"champion=v{champion.version} {metric.name}={_number(champion.reading.value)}"
        )
    return ", ".join(parts)


def approval_description(
    event_id: str, judgement: Judgement, policy: ProjectPolicy, evidence: Evidence
) -> str:
    """The text stored in the package's ``ApprovalDescription`` (at most 1024 characters)."""
    marker = f"[cd4ml-quality-gate event={event_id} decision={judgement.decision.value}] "
    tail = f" | evidence: {evidence_summary(policy, evidence)}"
    room = _DESCRIPTION_LIMIT - len(marker) - len(tail)
    reason = (
        judgement.reason if len(judgement.reason) <= room else judgement.reason[: room - 3] + "..."
    )
    return (marker + reason + tail)[:_DESCRIPTION_LIMIT]


def gather_evidence(
    package: ModelPackage, *, policy: ProjectPolicy, registry: ModelRegistry, s3: BaseClient
) -> Evidence:
    """Read the candidate's metric and the champion's."""
    candidate = read_metric(s3, package.metrics_report_uri, policy.metric.name)
    champion_package = registry.latest_approved(package.group, excluding=package.arn)
    champion = None
    if champion_package is not None:
        champion = Champion(
            arn=champion_package.arn,
            version=champion_package.version,
            reading=read_metric(s3, champion_package.metrics_report_uri, policy.metric.name),
        )
    return Evidence(candidate=candidate, champion=champion)


def evaluate_candidate(
    change: ModelPackageChange,
    *,
    policy: ProjectPolicy,
    registry: ModelRegistry,
    s3: BaseClient,
    notifier: Notifier,
    audit: AuditTrail,
    now: datetime,
) -> Outcome:
    """Decide on a package waiting for approval, write the decision down and tell the team."""
    project = change.project
    package = registry.describe(change.package_arn)
    if package is None:
        return _record(
            change,
            audit,
            now,
            Decision.SKIPPED_STATUS_CHANGED,
            "the model package no longer exists",
            inputs={"package_arn": change.package_arn},
        )
    marker = read_marker(package.approval_description)
    if marker is not None and marker.event_id != change.event_id:
        return Outcome(
            Decision.IGNORED,
            f"already judged by the quality gate for event {marker.event_id}",
            project=project,
        )
    if marker is None and package.approval_status != PENDING_MANUAL_APPROVAL:
        return _record(
            change,
            audit,
            now,
            Decision.SKIPPED_STATUS_CHANGED,
            f"the package is {package.approval_status or 'without status'} now; "
            "it was decided before the gate ran",
            inputs={"package_arn": package.arn, "status": package.approval_status},
        )

    evidence = gather_evidence(package, policy=policy, registry=registry, s3=s3)
    if marker is None:
        judgement = judge(policy, evidence)
        registry.set_approval(
            package.arn,
            status=_STATUS_FOR[judgement.decision],
            description=approval_description(change.event_id, judgement, policy, evidence),
        )
    else:
        # A retry of this event: the package already carries its decision.
        judgement = Judgement(marker.decision, marker.reason)

    result: dict[str, AuditValue] = {"model_approval_status": _STATUS_FOR[judgement.decision]}
    if judgement.decision in (Decision.HELD, Decision.REJECTED):
        result["notification_message_id"] = notifier.notify(
            policy.notification_topic_arn,
            subject=_subject(change, judgement),
            message=_message(change, policy, judgement, evidence),
            attributes={"project": project, "decision": judgement.decision.value},
        )
    return _record(
        change,
        audit,
        now,
        judgement.decision,
        judgement.reason,
        inputs=_audit_inputs(package, policy, evidence),
        result=result,
    )


def _audit_inputs(
    package: ModelPackage, policy: ProjectPolicy, evidence: Evidence
) -> dict[str, AuditValue]:
    champion = evidence.champion
    return {
        "package_arn": package.arn,
        "package_version": package.version,
        "metrics_report_uri": package.metrics_report_uri,
        "metric": policy.metric.name,
        "direction": policy.metric.direction,
        "value": evidence.candidate.value,
        "value_problem": evidence.candidate.problem,
        "min_threshold": policy.min_threshold,
        "min_improvement": policy.min_improvement,
        "approval_mode": policy.approval_mode,
        "champion_arn": champion.arn if champion else None,
        "champion_version": champion.version if champion else None,
        "champion_value": champion.reading.value if champion else None,
        "champion_problem": champion.reading.problem if champion else None,
    }


def _subject(change: ModelPackageChange, judgement: Judgement) -> str:
    if judgement.decision is Decision.HELD:
        return f"CD4ML: {change.project} model version {change.version} waits for your approval"
    return f"CD4ML: {change.project} model version {change.version} rejected by the quality gate"


def _message(
    change: ModelPackageChange, policy: ProjectPolicy, judgement: Judgement, evidence: Evidence
) -> str:
    if judgement.decision is Decision.HELD:
        opening = (
            f"Model version {change.version} of project {change.project} waits for a human "
            "decision in the SageMaker Model Registry. Approve it there to deploy it, or "
            "reject it."
        )
    else:
        opening = (
            f"Model version {change.version} of project {change.project} was rejected by the "
            "quality gate and will not be deployed."
        )
    return "\n".join(
        [
            opening,
            "",
            f"Why: {judgement.reason}.",
            "",
            f"Evidence: {evidence_summary(policy, evidence)}.",
            f"Model package: {change.package_arn}",
            f"Team: {policy.team}",
            f"Audit record: project {change.project}, decision "
            f"{decision_id(change.occurred_at, change.event_id)}",
        ]
    )
