"""Invoke the endpoint with the sample payload and check the answer follows the churn contract.

The payload is ``sample_payload.csv``: N rows without header, the model's six
feature columns in order (tenure_months, monthly_charges, total_charges,
support_calls, contract, payment_method). The model answers ``text/csv`` with N
lines, each a churn probability in [0, 1]; anything else fails the deploy.

Environment: ``ENDPOINT_NAME``; optional ``SAMPLE_PAYLOAD`` (default
``sample_payload.csv`` beside this script), ``TARGET_ROLE_ARN`` (another account).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any

from target_session import required, target_session

FEATURE_COUNT = 6
DEFAULT_PAYLOAD = Path(__file__).with_name("sample_payload.csv")


class SmokeTestFailed(Exception):
    """The endpoint's answer breaks the contract; the message says how."""


def read_payload(path: Path) -> tuple[str, int]:
    """The payload text and its row count; SmokeTestFailed for a malformed sample."""
    rows = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not rows:
        raise SmokeTestFailed(f"{path} has no rows")
    for number, row in enumerate(rows, start=1):
        if len(row.split(",")) != FEATURE_COUNT:
            raise SmokeTestFailed(f"{path} row {number} has not {FEATURE_COUNT} columns: {row!r}")
    return "\n".join(rows) + "\n", len(rows)


def check_answer(body: str, rows: int) -> list[float]:
    """The probabilities of ``body``: exactly ``rows`` lines, each a float in [0, 1]."""
    lines = body.strip().splitlines()
    if len(lines) != rows:
        raise SmokeTestFailed(f"{rows} rows sent, {len(lines)} lines answered: {body[:200]!r}")
    scores = []
    for number, line in enumerate(lines, start=1):
        try:
            score = float(line.strip())
        except ValueError:
            raise SmokeTestFailed(f"line {number} is not a number: {line!r}") from None
        if not math.isfinite(score) or not 0.0 <= score <= 1.0:
            raise SmokeTestFailed(f"line {number} is not a probability in [0, 1]: {score}")
        scores.append(score)
    return scores


def smoke_test(runtime: Any, *, endpoint_name: str, payload_path: Path) -> list[float]:
    """Invoke ``endpoint_name`` with the sample and return the checked probabilities."""
    payload, rows = read_payload(payload_path)
    response = runtime.invoke_endpoint(
        EndpointName=endpoint_name, ContentType="text/csv", Accept="text/csv", Body=payload
    )
    return check_answer(response["Body"].read().decode("utf-8"), rows)


def main() -> int:
    env = dict(os.environ)
    endpoint_name = required(env, "ENDPOINT_NAME")
    payload_path = Path(env.get("SAMPLE_PAYLOAD") or DEFAULT_PAYLOAD)
    try:
        scores = smoke_test(
            target_session(env).client("sagemaker-runtime"),
            endpoint_name=endpoint_name,
            payload_path=payload_path,
        )
    except SmokeTestFailed as failed:
        print(f"smoke test failed: {failed}", file=sys.stderr)
        return 1
    print(f"{endpoint_name} answered {len(scores)} probabilities: {scores}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
