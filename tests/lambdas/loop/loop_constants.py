"""The names of the one project (``churn``) and environment the loop handler tests run in."""

from __future__ import annotations

from pathlib import Path

ACCOUNT = "123456789012"
REGION = "us-east-1"
PREFIX = "cd4ml-sandbox"
PROJECT = "churn"
RAW_BUCKET = "cd4ml-sandbox-raw"
ARTIFACT_BUCKET = "cd4ml-sandbox-artifacts"
POLICY_PREFIX = "/cd4ml/sandbox/projects/"
IDEMPOTENCY_TABLE = "cd4ml-sandbox-loop-idempotency"
STATE_TABLE = "cd4ml-sandbox-loop-state"
AUDIT_TABLE = "cd4ml-sandbox-loop-audit"
GROUP = f"{PREFIX}-{PROJECT}"
BUILD_PIPELINE = f"{PREFIX}-{PROJECT}-build"
DEPLOY_PIPELINE = f"{PREFIX}-{PROJECT}-deploy"
DRIFT_ALARM = f"{PREFIX}-{PROJECT}-drift"
TOPIC_NAME = f"{PREFIX}-{PROJECT}-notifications"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
EVENTS_DIR = Path(__file__).parent / "events"
