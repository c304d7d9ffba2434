"""Named scenarios of the CD4ML loop, each with what must come out of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.local_loop.world import LocalLoop

PROJECT = "churn"


@dataclass
class ScenarioResult:
    """What a scenario produced and whether it met its expectations."""

    name: str
    description: str
    executions_started: int
    decisions: list[str]
    deploys: list[str]
    notifications: list[str]
    dead_lettered: int
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        """The summary of ``--json``."""
        return {
            "scenario": self.name,
            "passed": self.passed,
            "executions_started": self.executions_started,
            "decisions": self.decisions,
            "deploys": self.deploys,
            "notifications": self.notifications,
            "dead_lettered": self.dead_lettered,
            "failures": self.failures,
        }


@dataclass(frozen=True)
class Scenario:
    """A story played against a fresh local loop, and the checks on its outcome."""

    name: str
    description: str
    play: Callable[[LocalLoop], dict[str, Any]]
    hold_builds: bool = False


def _expect(failures: list[str], what: str, actual: object, expected: object) -> None:
    if actual != expected:
        failures.append(f"{what}: expected {expected!r}, got {actual!r}")


def _version(package_arn: str) -> str:
    return package_arn.rsplit("/", 1)[-1]


def drift_retrain_approve_deploy(loop: LocalLoop) -> dict[str, Any]:
    loop.queue_build_metrics(PROJECT, 0.86)
    loop.drift_alarm(PROJECT)
    loop.run()
    return {
        "executions": 1,
        "deploys": ["1"],
        "contains": ["retrain-started", "approved", "deploy-started", "lease-released"],
    }


def worse_model_rejected(loop: LocalLoop) -> dict[str, Any]:
    champion = loop.register_package(PROJECT, 0.88, status="Approved")
    loop.queue_build_metrics(PROJECT, 0.80)
    loop.drift_alarm(PROJECT)
    loop.run()
    return {
        "executions": 1,
        "deploys": [],
        "contains": ["rejected"],
        "notified": 1,
        "status": {champion: "Approved"},
    }


def manual_policy_holds(loop: LocalLoop) -> dict[str, Any]:
    loop.set_policy(PROJECT, approval_mode="manual")
    loop.queue_build_metrics(PROJECT, 0.91)
    loop.raw_data(PROJECT, f"{PROJECT}/2026/01/05/batch-001.csv")
    loop.run()
    return {
        "executions": 1,
        "deploys": [],
        "contains": ["held"],
        "absent": ["approved"],
        "notified": 1,
    }


def duplicate_alarms(loop: LocalLoop) -> dict[str, Any]:
    # No cooldown: the build lease alone must keep a second run from starting.
    retrain = {**loop.policies[PROJECT]["retrain"], "cooldown_minutes": 0}
    loop.set_policy(PROJECT, retrain=retrain)
    loop.queue_build_metrics(PROJECT, 0.86, 0.87)
    loop.drift_alarm(PROJECT)
    loop.run()
    first_alarm = next(d.event_id for d in loop.record.deliveries if "Alarm" in d.event_summary)
    alarm_event = _alarm_event(loop, first_alarm)
    for _ in range(2):  # EventBridge delivers at least once
        loop.deliver_again(alarm_event)
    loop.drift_alarm(PROJECT)  # a second alarm while the first run is in flight
    loop.run()
    loop.finish_held_builds()
    loop.run()
    return {"executions": 1, "deploys": ["1"], "contains": ["skipped-lease-held", "approved"]}


def cooldown_respected(loop: LocalLoop) -> dict[str, Any]:
    loop.queue_build_metrics(PROJECT, 0.86, 0.87)
    loop.drift_alarm(PROJECT)
    loop.run()
    loop.drift_alarm(PROJECT)  # the run has ended, but the cooldown has not
    loop.run()
    return {"executions": 1, "deploys": ["1"], "contains": ["skipped-cooldown"]}


def rollback(loop: LocalLoop) -> dict[str, Any]:
    loop.set_policy(PROJECT, approval_mode="manual")
    first = loop.register_package(PROJECT, 0.84, status="PendingManualApproval")
    loop.person_sets_status(first, "Approved")
    loop.run()
    second = loop.register_package(PROJECT, 0.86, status="PendingManualApproval")
    loop.person_sets_status(second, "Approved")
    loop.run()
    loop.person_sets_status(second, "Rejected")  # a problem found in production
    loop.run()
    return {"executions": 0, "deploys": ["1", "2", "1"], "contains": ["rollback-started"]}


def late_old_approval(loop: LocalLoop) -> dict[str, Any]:
    loop.set_policy(PROJECT, approval_mode="manual")
    first = loop.register_package(PROJECT, 0.84, status="PendingManualApproval")
    loop.person_sets_status(first, "Approved")
    loop.run()
    second = loop.register_package(PROJECT, 0.86, status="PendingManualApproval")
    loop.person_sets_status(second, "Approved")
    loop.run()
    loop.person_sets_status(first, "Approved")  # a late approval of the older version
    loop.run()
    return {"executions": 0, "deploys": ["1", "2"], "contains": ["skipped-superseded"]}


def broken_policy_dead_letters(loop: LocalLoop) -> dict[str, Any]:
    loop.break_policy(PROJECT)
    loop.queue_build_metrics(PROJECT, 0.86)
    loop.drift_alarm(PROJECT)
    loop.run()
    return {"executions": 0, "deploys": [], "dead_lettered": 1}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "drift-retrain-approve-deploy",
        "drift alarm -> retrain -> better model auto-approved -> deploy",
        drift_retrain_approve_deploy,
    ),
    Scenario(
        "worse-model-rejected",
        "a model worse than the champion is rejected and the data scientists are told why",
        worse_model_rejected,
    ),
    Scenario(
        "manual-policy-holds",
        "new raw data -> retrain -> manual policy holds the model for a person",
        manual_policy_holds,
    ),
    Scenario(
        "duplicate-alarms",
        "one alarm delivered three times and a second alarm during the run: one build",
        duplicate_alarms,
        hold_builds=True,
    ),
    Scenario(
        "cooldown",
        "an alarm right after a finished run is skipped by the project's cooldown",
        cooldown_respected,
    ),
    Scenario(
        "rollback",
        "the deployed version is rejected: the previous approved version is redeployed",
        rollback,
    ),
    Scenario(
        "late-old-approval",
        "an older version approved after a newer one shipped: production does not go back",
        late_old_approval,
    ),
    Scenario(
        "broken-policy-dead-letters",
        "an unreadable project policy: the alarm is retried, then dead-lettered, nothing starts",
        broken_policy_dead_letters,
    ),
)


def check(scenario: Scenario, loop: LocalLoop, expected: dict[str, Any]) -> ScenarioResult:
    """Compare what the loop did with what ``scenario`` expects."""
    record = loop.record
    decisions = loop.decisions()
    result = ScenarioResult(
        name=scenario.name,
        description=scenario.description,
        executions_started=len(record.executions),
        decisions=decisions,
        deploys=[_version(d["model_package"]) for d in record.deploys],
        notifications=[n["subject"] for n in record.notifications],
        dead_lettered=len(record.dead_lettered),
    )
    failures = result.failures
    _expect(failures, "model-build runs started", result.executions_started, expected["executions"])
    _expect(failures, "versions deployed", result.deploys, expected["deploys"])
    _expect(
        failures, "dead-lettered events", result.dead_lettered, expected.get("dead_lettered", 0)
    )
    for decision in expected.get("contains", []):
        if decision not in decisions:
            failures.append(f"no {decision!r} decision among {decisions}")
    for decision in expected.get("absent", []):
        if decision in decisions:
            failures.append(f"unexpected {decision!r} decision")
    if "notified" in expected:
        _expect(failures, "notifications", len(result.notifications), expected["notified"])
    for package_arn, status in expected.get("status", {}).items():
        _expect(failures, f"status of {package_arn}", loop.package_status(package_arn), status)
    return result


def _alarm_event(loop: LocalLoop, event_id: str) -> dict[str, Any]:
    alarm = loop.policies[PROJECT]["drift_alarm_name"]
    from tools.local_loop import aws_events
    from tools.local_loop.world import ACCOUNT, REGION

    return aws_events.alarm_state_change(
        event_id, alarm_name=alarm, state="ALARM", account=ACCOUNT, region=REGION
    )


from tools.local_loop.seed_scenarios import SEED_SCENARIOS  # noqa: E402 (imports Scenario above)

SCENARIOS += SEED_SCENARIOS
