"""What the quality gate writes into a package's ``ApprovalDescription``, and reads back.

The decision and its evidence go into the description, prefixed by a marker
naming the event. The marker makes the gate safe to re-run: the update that
records a hold emits another PendingManualApproval event, which finds the
marker of an earlier event and is ignored, while a retry of the same event
finds its own marker and finishes the notification and the audit record
without deciding twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loop_common.model_registry import APPROVED, PENDING_MANUAL_APPROVAL, REJECTED
from loop_common.outcome import Decision
from loop_common.policy import ProjectPolicy
from quality_gate.judgement import Evidence, Judgement, format_number

DESCRIPTION_LIMIT = 1024
VERDICTS = (Decision.APPROVED, Decision.HELD, Decision.REJECTED)
STATUS_FOR = {
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
class GateMarker:
    """The gate's earlier decision as written at the start of an ``ApprovalDescription``."""

    event_id: str
    decision: Decision
    reason: str


def read_marker(approval_description: str) -> GateMarker | None:
    """The gate's marker at the start of ``approval_description``, if there is one."""
    match = _MARKER.fullmatch(approval_description)
    if match is None or match["decision"] not in {verdict.value for verdict in VERDICTS}:
        return None
    return GateMarker(match["event_id"], Decision(match["decision"]), match["reason"])


def evidence_summary(policy: ProjectPolicy, evidence: Evidence) -> str:
    """The evidence in one line, for the approval description."""
    metric = policy.metric
    candidate = (
        format_number(evidence.candidate.value)
        if evidence.candidate.value is not None
        else f"unreadable ({evidence.candidate.problem})"
    )
    parts = [
        f"{metric.name}={candidate} ({metric.direction} is better)",
        f"threshold={format_number(policy.min_threshold)}",
        f"min_improvement={format_number(policy.min_improvement)}",
        f"approval_mode={policy.approval_mode}",
    ]
    champion = evidence.champion
    if champion is None:
        parts.append("champion=none")
    elif champion.reading.value is None:
        parts.append(f"champion=v{champion.version} unreadable")
    else:
        parts.append(
            f"champion=v{champion.version} {metric.name}={format_number(champion.reading.value)}"
        )
    return ", ".join(parts)


def approval_description(
    event_id: str, judgement: Judgement, policy: ProjectPolicy, evidence: Evidence
) -> str:
    """The text stored in the package's ``ApprovalDescription`` (at most 1024 characters)."""
    marker = f"[cd4ml-quality-gate event={event_id} decision={judgement.decision.value}] "
    tail = f" | evidence: {evidence_summary(policy, evidence)}"
    room = DESCRIPTION_LIMIT - len(marker) - len(tail)
    reason = (
        judgement.reason if len(judgement.reason) <= room else judgement.reason[: room - 3] + "..."
    )
    return (marker + reason + tail)[:DESCRIPTION_LIMIT]
