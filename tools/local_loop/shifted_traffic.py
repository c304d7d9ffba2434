"""Shifted traffic on the deployed model, the scheduled drift checks, and the drift alarm.

The stand-in production endpoint serves the approved package's real model to
customers whose monthly (and so total) charges rose by half; its data capture
goes where the drift check reads it. The synthesized drift-check schedule's
payload is delivered for two scheduled times an hour apart, each check computes
drift with the platform's engine against the package's baseline and publishes
``DriftScore``; the synthesized alarm is then evaluated on those datapoints and,
in ALARM, its state change goes on the bus.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3

from tools.local_loop.drift_alarm import DriftAlarm
from tools.local_loop.scenario_hops import Hops
from tools.local_loop.seed_pipeline import import_seed_code
from tools.local_loop.stand_in_endpoint import StandInEndpoint
from tools.local_loop.world import REGION, LocalLoop

CAPTURE_HOURS = (6, 7, 8)
CHECK_TIMES = ("2026-01-05T09:05:00Z", "2026-01-05T10:05:00Z")
PRICE_RISE = 0.5


def drift_and_alarm(loop: LocalLoop, hops: Hops, package_arn: str, project: str) -> None:
    """Serve shifted traffic on the deployed package, run the drift checks, evaluate the alarm."""
    schedule = next(s for s in loop.schedules if s.target.name == "drift_check")
    request = json.loads(schedule.input_template)
    endpoint = StandInEndpoint(
        clients=loop._clients,
        package_arn=package_arn,
        endpoint_name=request["endpoint_name"],
        capture_prefix=request["capture_prefix"],
        kms_key_arn=loop.functions_environment("REPORT_KMS_KEY_ID"),
    )
    try:
        report_bucket = loop.functions_environment("REPORT_BUCKET")
        loop.trace(
            f"  deploy (stand-in): {request['endpoint_name']} serves version "
            f"{package_arn.rsplit('/', 1)[-1]}, baseline at "
            f"{endpoint.place_baseline(report_bucket, project)}"
        )
        import_seed_code()
        import churn_dataset

        answers: list[float] = []
        for number, hour in enumerate(CAPTURE_HOURS):
            traffic = churn_dataset.generate(
                500, seed=50 + number, monthly_charges_shift=PRICE_RISE
            )
            rows = list(churn_dataset.feature_rows(traffic))
            requests = [rows[i : i + 50] for i in range(0, len(rows), 50)]
            uri, answered = endpoint.serve_and_capture(
                requests, hour=datetime(2026, 1, 5, hour, tzinfo=UTC)
            )
            answers += answered
        hops.check(
            "data capture written",
            len(answers) == 1500 and all(0 <= a <= 1 for a in answers),
            f"{endpoint.requests} requests, {len(answers)} rows, charges +{PRICE_RISE:.0%}, "
            f"last {uri}",
        )
    finally:
        endpoint.close()
    scores = []
    for moment in CHECK_TIMES:
        payload = {**request, "scheduled_time": moment, "execution_id": f"local-check-{moment}"}
        loop.trace(f"[drift check] schedule {schedule.name} fires at {moment}")
        loop._deliver(payload, rule=f"schedule {schedule.name}", function=schedule.target)
        delivery = loop.record.deliveries[-1]
        # A schedule payload has no event id; its execution id identifies the invocation,
        # so the next check is not taken for a repeat of this one.
        delivery.event_id = payload["execution_id"]
        response = delivery.response or {}
        scores.append(response.get("drift_score"))
        hops.check(
            "drift computed",
            bool(response.get("drift_detected")),
            f"score {response.get('drift_score')}, drifted {response.get('drifted_features')}, "
            f"{response.get('rows')} rows, report {response.get('report_uri')}",
        )
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    alarm = DriftAlarm.from_assembly(loop.assembly, loop.policies[project]["drift_alarm_name"])
    alarm.create(cloudwatch)
    evaluation = alarm.evaluate(cloudwatch, until=datetime(2026, 1, 5, 10, 5, tzinfo=UTC))
    if hops.check(
        "drift alarm",
        evaluation.state == "ALARM",
        f"{alarm.name}: periods {evaluation.values}, {evaluation.breaching} breaching "
        f"-> {evaluation.state}",
    ):
        loop.drift_alarm(project)
