"""Judge a model package waiting for approval against its project's policy and champion.

The gate reads the candidate's evaluation metric, the policy's threshold and
the current champion (the latest other Approved version of the group), judges
it (``quality_gate.judgement``), writes the decision into the package's
``ApprovalDescription`` (``quality_gate.approval_text``), tells the team when a
human must act or the candidate was rejected, and records the decision.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from loop_common.audit import AuditTrail, AuditValue, decision_id
from loop_common.evaluation_report import read_metric
from loop_common.model_registry import PENDING_MANUAL_APPROVAL, ModelPackage, ModelRegistry
from loop_common.notifications import Notifier
from loop_common.outcome import Decision, Outcome
from loop_common.package_claims import PackageClaims
from loop_common.package_decision import record_package_decision
from loop_common.package_events import ModelPackageChange
from loop_common.policy import ProjectPolicy
from quality_gate.approval_text import (
    STATUS_FOR,
    approval_description,
    evidence_summary,
    read_marker,
)
from quality_gate.judgement import Champion, Evidence, Judgement, judge, plausible

if TYPE_CHECKING:
    from botocore.client import BaseClient

FUNCTION_NAME = "quality-gate"

_record = functools.partial(record_package_decision, function=FUNCTION_NAME)


def gather_evidence(
    package: ModelPackage, *, policy: ProjectPolicy, registry: ModelRegistry, s3: BaseClient
) -> Evidence:
    """Read the candidate's metric and the champion's."""
    candidate = plausible(read_metric(s3, package.metrics_report_uri, policy.metric.name), policy)
    champion_package = registry.latest_approved(package.group, excluding=package.arn)
    champion = None
    if champion_package is not None:
        champion = Champion(
            arn=champion_package.arn,
            version=champion_package.version,
            reading=plausible(
                read_metric(s3, champion_package.metrics_report_uri, policy.metric.name), policy
            ),
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
    claims: PackageClaims,
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

    if marker is None:
        holder = claims.claim(package.arn, event_id=change.event_id, now=now)
        if holder is not None:
            return Outcome(
                Decision.IGNORED,
                f"the package is being judged for event {holder}; one decision per package",
                project=project,
            )
    elif package.approval_status != STATUS_FOR[marker.decision]:
        # A retry of this event after a person changed the gate's verdict.
        return _human_decided(change, audit, now, package, package, marker.decision)

    evidence = gather_evidence(package, policy=policy, registry=registry, s3=s3)
    if marker is None:
        judgement = judge(policy, evidence)
        # Re-read right before the update: a person may have decided meanwhile.
        current = registry.describe(package.arn)
        if (
            current is None
            or current.approval_status != PENDING_MANUAL_APPROVAL
            or current.approval_description != package.approval_description
        ):
            return _human_decided(change, audit, now, package, current, judgement.decision)
        registry.set_approval(
            package.arn,
            status=STATUS_FOR[judgement.decision],
            description=approval_description(change.event_id, judgement, policy, evidence),
        )
    else:
        # A retry of this event: the package already carries its decision.
        judgement = Judgement(marker.decision, marker.reason)

    result: dict[str, AuditValue] = {"model_approval_status": STATUS_FOR[judgement.decision]}
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


def _human_decided(
    change: ModelPackageChange,
    audit: AuditTrail,
    now: datetime,
    package: ModelPackage,
    current: ModelPackage | None,
    verdict: Decision,
) -> Outcome:
    """A person decided the package while the gate was judging it: theirs stands, recorded."""
    status = "deleted" if current is None else current.approval_status or "without status"
    return _record(
        change,
        audit,
        now,
        Decision.SKIPPED_HUMAN_DECIDED,
        f"a person set the package to {status} while the quality gate was judging it; the "
        f"person's decision stands and the gate's verdict ({verdict.value}) was not applied",
        inputs={
            "package_arn": package.arn,
            "status_when_judged": package.approval_status,
            "current_status": status,
            "gate_verdict": verdict.value,
        },
        result={"model_approval_status": status},
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
