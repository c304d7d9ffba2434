"""Scenarios of the whole loop with real parts: the seed code builds, a real model serves.

``seed-code-full-loop``: new raw data -> retrain trigger -> the seed code's
pipeline runs locally and registers a real model with its computed metrics
and drift baseline -> quality gate approves -> deploy pipeline started with
the exact ARN -> the endpoint serves it and captures traffic whose charges have
shifted -> the drift engine finds drift -> the drift alarm (as synthesized)
goes to ALARM -> retrain.

``seed-code-worse-model-rejected``: a champion from clean data; a batch with
mislabelled rows gives a worse model that clears the threshold, and the quality
gate rejects it and tells the team's topic why; a batch of shuffled labels
gives a model the pipeline's own condition holds back (the run fails, nothing
is registered).

Each hop is checked as it happens and printed as ``hop: ... ok`` or
``hop: ... MISSED``; a missed hop fails the scenario.
"""

from __future__ import annotations

from typing import Any

from tools.local_loop.scenario_hops import (
    Hops,
    check_registered,
    customers,
    land_raw_data,
    no_cooldown,
)
from tools.local_loop.scenarios import PROJECT, Scenario
from tools.local_loop.seed_build import SeedCodeBuilds
from tools.local_loop.shifted_traffic import drift_and_alarm
from tools.local_loop.world import LocalLoop


def full_loop(loop: LocalLoop) -> dict[str, Any]:
    hops, builds = Hops(loop), SeedCodeBuilds(loop, PROJECT)
    try:
        no_cooldown(loop, PROJECT)
        land_raw_data(loop, f"{PROJECT}/2026/01/05/batch-001.csv", customers(5000, seed=7))
        loop.run()
        first = check_registered(hops, builds, 0, "raw-data") if builds.runs else None
        deployed = loop.record.deploys[-1]["model_package"] if loop.record.deploys else None
        hops.check(
            "deploy started with the exact ARN",
            first is not None and deployed == first,
            f"{deployed}",
        )
        if first is None or deployed != first:
            return hops.expected({"executions": len(builds.runs), "deploys": ["1", "2"]})
        drift_and_alarm(loop, hops, first, PROJECT)
        loop.run()
        second = check_registered(hops, builds, 1, "drift-alarm") if len(builds.runs) > 1 else None
        hops.check("retrain after the alarm", second is not None, f"package {second}")
    finally:
        builds.close()
    return hops.expected(
        {
            "executions": 2,
            "deploys": ["1", "2"],
            "contains": ["retrain-started", "approved", "deploy-started", "lease-released"],
        }
    )


def worse_model_rejected(loop: LocalLoop) -> dict[str, Any]:
    hops, builds = Hops(loop), SeedCodeBuilds(loop, PROJECT)
    try:
        no_cooldown(loop, PROJECT)
        land_raw_data(loop, f"{PROJECT}/2026/01/05/batch-001.csv", customers(5000, seed=7))
        loop.run()
        champion = check_registered(hops, builds, 0, "raw-data")
        loop.trace("  data: batch-002 has a quarter of its labels joined to the wrong customers")
        land_raw_data(
            loop,
            f"{PROJECT}/2026/01/06/batch-002.csv",
            customers(5000, seed=8, shuffled_share=0.25),
        )
        loop.run()
        worse = check_registered(hops, builds, 1, "raw-data")
        if champion and worse:
            metrics = [builds.metric_of(run) for run in builds.runs[:2]]
            hops.check(
                "worse than the champion",
                metrics[1] < metrics[0],
                f"auc {metrics[1]:.4f} < champion {metrics[0]:.4f}",
            )
        told = [n for n in loop.record.notifications if n["topic"].endswith("-notifications")]
        hops.check(
            "team told why",
            len(told) == 1 and "auc" in told[0]["message"] if told else False,
            repr(told[-1]["message"][:160]) if told else "no message",
        )
        loop.trace("  data: batch-003 has shuffled labels")
        land_raw_data(
            loop,
            f"{PROJECT}/2026/01/07/batch-003.csv",
            customers(5000, seed=9, shuffled_share=1.0),
        )
        loop.run()
        held = builds.runs[2] if len(builds.runs) > 2 else None
        hops.check(
            "pipeline holds back a model below the threshold",
            held is not None and held.status == "Failed" and held.model_package_arn is None,
            f"{held.status}: {held.failure_reason}" if held else "no run",
        )
    finally:
        builds.close()
    status = {arn: s for arn, s in ((champion, "Approved"), (worse, "Rejected")) if arn}
    return hops.expected(
        {
            "executions": 3,
            "deploys": ["1"],
            "contains": ["approved", "rejected"],
            "notified": 1,
            "status": status,
        }
    )


SEED_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "seed-code-full-loop",
        "raw data -> seed code builds a real model -> approved -> deployed -> shifted traffic "
        "-> drift -> alarm -> retrain",
        full_loop,
    ),
    Scenario(
        "seed-code-worse-model-rejected",
        "a model worse than the champion is rejected and the team told why; shuffled labels "
        "are held back by the pipeline",
        worse_model_rejected,
    ),
)
