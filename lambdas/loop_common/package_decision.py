"""How the quality gate and the deploy trigger write down a decision on a model package.

Both act on ``SageMaker Model Package State Change`` events. A decision is
recorded in the audit trail after the action it records, and returned as the
``Outcome`` whose details name the package and what the decision started or
changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from loop_common.audit import AuditRecord, AuditTrail, AuditValue
from loop_common.outcome import Decision, Outcome
from loop_common.package_events import ModelPackageChange

MODEL_PACKAGE_TRIGGER = "model-package"


def record_package_decision(
    change: ModelPackageChange,
    audit: AuditTrail,
    now: datetime,
    decision: Decision,
    reason: str,
    inputs: Mapping[str, AuditValue],
    result: Mapping[str, AuditValue] | None = None,
    *,
    function: str,
) -> Outcome:
    """Write ``decision`` on ``change`` to the audit trail and return it as the outcome.

    Args:
        change: the event the decision answers.
        audit: the audit trail.
        now: when the record is written.
        decision: what was decided.
        reason: why, in plain words.
        inputs: the evidence the decision rests on.
        result: what the decision started or changed; its values that are set
            join the outcome's details as text.
        function: the deciding function (``quality-gate`` or ``deploy-trigger``).
    """
    recorded = dict(result or {})
    audit.record(
        AuditRecord(
            project=change.project,
            event_id=change.event_id,
            occurred_at=change.occurred_at,
            function=function,
            trigger=MODEL_PACKAGE_TRIGGER,
            decision=decision.value,
            reason=reason,
            inputs=inputs,
            result=recorded,
        ),
        recorded_at=now,
    )
    details = {"model_package_arn": change.package_arn}
    details.update({key: str(value) for key, value in recorded.items() if value is not None})
    return Outcome(decision, reason, project=change.project, details=details)
