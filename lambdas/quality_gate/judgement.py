"""The quality gate's verdict from the evidence alone: approve, hold or reject (no I/O).

- reject: the metric is missing, worse than ``min_threshold``, or not better
  than the champion by ``min_improvement`` (in the policy's direction);
- hold: the checks pass but the policy's approval mode is ``manual``, or the
  champion's metric cannot be read so no machine can compare the two;
- approve: the checks pass and the approval mode is ``auto``.
"""

from __future__ import annotations

from dataclasses import dataclass

from loop_common.evaluation_report import MetricReading
from loop_common.outcome import Decision
from loop_common.policy import ProjectPolicy

# Float subtraction must not turn an improvement of exactly min_improvement into a rejection.
IMPROVEMENT_TOLERANCE = 1e-9


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


def format_number(value: float) -> str:
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


def plausible(reading: MetricReading, policy: ProjectPolicy) -> MetricReading:
    """``reading``, or a reading with a problem when its value cannot be true.

    A value outside the metric's valid range (an AUC above 1, a negative error)
    says the evaluation report is wrong, not that the model is good or bad.
    """
    value = reading.value
    if value is None or policy.metric.can_be(value):
        return reading
    low, high = policy.metric.valid_range
    return MetricReading.missing(
        f"{policy.metric.name} {format_number(value)} is outside the metric's valid range "
        f"[{format_number(low)}, {format_number(high)}]: the evaluation report cannot be right"
    )


def judge(policy: ProjectPolicy, evidence: Evidence) -> Judgement:
    """Decide approve, hold or reject from the evidence alone (no I/O)."""
    metric = policy.metric.name
    candidate = plausible(evidence.candidate, policy)
    value = candidate.value
    if value is None:
        return Judgement(Decision.REJECTED, f"{candidate.problem}")
    if not meets_threshold(value, policy):
        side = "below the minimum" if policy.metric.direction == "higher" else "above the maximum"
        return Judgement(
            Decision.REJECTED,
            f"{metric} {format_number(value)} is {side} of {format_number(policy.min_threshold)} "
            "set in the project policy",
        )
    champion = evidence.champion
    comparison = "there is no approved champion yet"
    if champion is not None:
        champion_reading = plausible(champion.reading, policy)
        champion_value = champion_reading.value
        if champion_value is None:
            return Judgement(
                Decision.HELD,
                f"{metric} {format_number(value)} meets the threshold, but the champion (version "
                f"{champion.version}) cannot be compared: {champion_reading.problem}; "
                "a human must decide",
            )
        gain = improvement_over(value, champion_value, policy)
        if gain + IMPROVEMENT_TOLERANCE < policy.min_improvement:
            return Judgement(
                Decision.REJECTED,
                f"{metric} {format_number(value)} does not beat the champion (version "
                f"{champion.version}, {metric} {format_number(champion_value)}) by the required "
                f"{format_number(policy.min_improvement)}",
            )
        comparison = (
            f"it beats the champion (version {champion.version}, {metric} "
            f"{format_number(champion_value)}) by at least the required "
            f"{format_number(policy.min_improvement)}"
        )
    passed = (
        f"{metric} {format_number(value)} meets the threshold "
        f"{format_number(policy.min_threshold)} and "
    )
    if policy.approval_mode == "manual":
        return Judgement(
            Decision.HELD,
            passed + comparison + "; the project's approval mode is manual, so a human approves",
        )
    return Judgement(Decision.APPROVED, passed + comparison)
