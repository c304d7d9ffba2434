"""Cold start of each Lambda function: module load and client creation, Powertools included.

Each function is imported in a fresh interpreter, as Lambda does at init, with
the environment the function runs with (fake credentials, no network). The
functions create their clients (and load what only an acting event needs) on
first use, so the figure is measured twice: the import alone, which Lambda's
init phase pays, and what the first event that reaches AWS adds to it (its
clients, the idempotency store). ``python -m benchmarks.cold_start [--repeat N]``
prints one line per function, the median of N runs of wall-clock and CPU time,
and marks an import over the 300 ms budget. On a shared machine the CPU figure
is the steadier one: wall-clock time grows with the other processes' load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

LAMBDAS = Path(__file__).resolve().parents[1] / "lambdas"
BUDGET_SECONDS = 0.300
FUNCTIONS = {
    "retrain_trigger.handler": ("sagemaker", "dynamodb", "ssm", "cloudwatch"),
    "quality_gate.handler": ("sagemaker", "s3", "sns", "dynamodb", "ssm"),
    "deploy_trigger.handler": ("sagemaker", "codepipeline", "sns", "dynamodb", "ssm"),
    "drift_check.handler": ("s3", "cloudwatch", "sagemaker"),
}
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "RESOURCE_PREFIX": "cd4ml-sandbox",
    "POLICY_PARAMETER_PREFIX": "/cd4ml/sandbox/projects/",
    "IDEMPOTENCY_TABLE": "cd4ml-sandbox-loop-idempotency",
    "STATE_TABLE": "cd4ml-sandbox-loop-state",
    "AUDIT_TABLE": "cd4ml-sandbox-loop-audit",
    "RAW_BUCKET_NAME": "cd4ml-sandbox-raw",
    "REPORT_BUCKET": "cd4ml-sandbox-drift-reports",
    "POWERTOOLS_METRICS_NAMESPACE": "CD4ML",
    "PYTHONDONTWRITEBYTECODE": "",
}
# The first acting event of a loop function creates its clients and opens the
# idempotency store; the drift check creates its three clients.
_PROBE = """
import importlib, json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
module = importlib.import_module(sys.argv[1])
imported_wall, imported_cpu = time.perf_counter(), time.process_time()
runtime = getattr(module, "runtime", None)
if runtime is None:
    module.aws_clients()
else:
    for service in sys.argv[2:]:
        runtime.clients.created(service)
    getattr(runtime, "persistence_store", None)
print(json.dumps({
    "import": imported_wall - wall,
    "import_cpu": imported_cpu - cpu,
    "first_event": time.perf_counter() - imported_wall,
    "first_event_cpu": time.process_time() - imported_cpu,
}))
"""


def run_probe(probe: str, *arguments: str) -> dict[str, Any]:
    """Run ``probe`` in a fresh interpreter with a function's environment; return its last line."""
    result = subprocess.run(
        [sys.executable, "-c", probe, *arguments],
        env={**os.environ, **ENVIRONMENT, "PYTHONPATH": str(LAMBDAS)},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def measure(module: str, services: tuple[str, ...]) -> dict[str, float]:
    """One cold import of ``module`` in a fresh interpreter, then its first event's clients."""
    return run_probe(_PROBE, module, *services)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per function (median)")
    arguments = parser.parse_args(argv)
    print("cold start, ms (median): import wall / cpu, + first acting event wall / cpu")
    for module, services in FUNCTIONS.items():
        runs = [measure(module, services) for _ in range(arguments.repeat)]
        median = {key: statistics.median(run[key] for run in runs) * 1000 for key in runs[0]}
        name = module.split(".")[0]
        print(
            f"{name:16s} import {median['import']:5.0f} / {median['import_cpu']:4.0f}"
            f"   + first event {median['first_event']:5.0f} / {median['first_event_cpu']:4.0f}"
            f"   total cpu {median['import_cpu'] + median['first_event_cpu']:5.0f}"
            + (
                "   import OVER the 300 ms budget"
                if median["import_cpu"] > BUDGET_SECONDS * 1000
                else ""
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
