"""Cold start of each Lambda function: module load and client creation, Powertools included.

Each function is imported in a fresh interpreter, as Lambda does at init, with
the environment the function runs with (fake credentials, no network). The
loop functions create their clients on first use, so the figure is measured
twice: the import alone, and the import plus the clients an acting event
creates. ``python -m benchmarks.cold_start [--repeat N]`` prints one line per
function (median of N runs) and marks an import over the 300 ms budget.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parents[1] / "lambdas"
BUDGET_SECONDS = 0.300
FUNCTIONS = {
    "retrain_trigger.handler": ("sagemaker", "dynamodb", "ssm", "cloudwatch"),
    "quality_gate.handler": ("sagemaker", "s3", "sns", "dynamodb", "ssm"),
    "deploy_trigger.handler": ("sagemaker", "codepipeline", "sns", "dynamodb", "ssm"),
    "drift_check.handler": (),
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
    "POWERTOOLS_METRICS_NAMESPACE": "CD4ML",
    "PYTHONDONTWRITEBYTECODE": "",
}
_PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
module = importlib.import_module(sys.argv[1])
imported = time.perf_counter()
runtime = getattr(module, "runtime", None)
for service in sys.argv[2:]:
    runtime.clients.created(service)
print(json.dumps({"import": imported - started, "clients": time.perf_counter() - imported}))
"""


def measure(module: str, services: tuple[str, ...]) -> dict[str, float]:
    """One cold import of ``module`` in a fresh interpreter, then its clients."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module, *services],
        env={**os.environ, **ENVIRONMENT, "PYTHONPATH": str(LAMBDAS)},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per function (median)")
    arguments = parser.parse_args(argv)
    for module, services in FUNCTIONS.items():
        runs = [measure(module, services) for _ in range(arguments.repeat)]
        imported = statistics.median(run["import"] for run in runs)
        clients = statistics.median(run["clients"] for run in runs)
        print(
            f"cold start {module.split('.')[0]:16s} import {imported * 1000:6.0f} ms"
            f"   + clients of an acting event {clients * 1000:6.0f} ms"
            + ("   OVER the 300 ms budget" if imported > BUDGET_SECONDS else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
