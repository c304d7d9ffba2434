"""The post-deploy check script, run against a stand-in ``aws`` CLI that answers like AWS."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cd4ml_constructs.delivery import CHECK_SCRIPT

ROOT = Path(__file__).parents[3]

# A stand-in for the AWS CLI: answers the four calls the check makes from
# environment variables, and records every call.
FAKE_AWS = """\
#!/usr/bin/env bash
echo "$*" >> "$AWS_CALLS"
case "$1 $2" in
  "sts assume-role") echo "AKIAEXAMPLE secret token" ;;
  "sagemaker describe-domain") echo "$FAKE_DOMAIN_STATUS" ;;
  "cloudformation list-stack-resources") echo "$FAKE_RULES" ;;
  "events describe-rule")
    name="${4}"
    if [[ " $FAKE_DISABLED " == *" $name "* ]]; then echo DISABLED; else echo ENABLED; fi ;;
  *) echo "unexpected call: $*" >&2; exit 2 ;;
esac
"""


def run_check(tmp_path: Path, **answers: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    environment = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AWS_CALLS": str(tmp_path / "calls.log"),
        "ENVIRONMENT": "example-prod",
        "CHECK_ROLE_ARN": "arn:aws:iam::111122223333:role/cdk-hnb659fds-lookup-role",
        "LOOP_STACK": "example-prod-loop",
        "TARGET_REGION": "eu-west-1",
        "FAKE_RULES": "example-prod-loop-RetrainRule-1\texample-prod-loop-GateRule-2",
        "FAKE_DOMAIN_STATUS": "InService",
        "FAKE_DISABLED": "",
        **answers,
    }
    return subprocess.run(
        ["bash", CHECK_SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_healthy_stage_passes_and_reads_through_the_lookup_role(tmp_path: Path) -> None:
    result = run_check(tmp_path, STUDIO_DOMAIN_ID="d-abc123")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: Studio domain d-abc123 is InService" in result.stdout
    assert "ok: rule example-prod-loop-GateRule-2 is ENABLED" in result.stdout
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0].startswith(
        "sts assume-role --role-arn arn:aws:iam::111122223333:role/cdk-hnb659fds-lookup-role"
    )
    assert "sagemaker describe-domain --domain-id d-abc123 --query Status --output text" in calls
    assert sum(call.startswith("events describe-rule") for call in calls) == 2


def test_domain_not_in_service_fails(tmp_path: Path) -> None:
    result = run_check(tmp_path, STUDIO_DOMAIN_ID="d-abc123", FAKE_DOMAIN_STATUS="Pending")
    assert result.returncode == 1
    assert "FAILED: Studio domain d-abc123 is Pending, expected InService" in result.stdout


def test_disabled_loop_rule_fails(tmp_path: Path) -> None:
    result = run_check(tmp_path, FAKE_DISABLED="example-prod-loop-GateRule-2")
    assert result.returncode == 1
    assert (
        "FAILED: rule example-prod-loop-GateRule-2 is DISABLED, expected ENABLED" in result.stdout
    )
    assert "ok: rule example-prod-loop-RetrainRule-1 is ENABLED" in result.stdout


def test_stage_without_studio_skips_the_domain(tmp_path: Path) -> None:
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "describe-domain" not in (tmp_path / "calls.log").read_text()


@pytest.mark.parametrize("rules", ["", "None"])
def test_loop_stack_without_rules_fails(tmp_path: Path, rules: str) -> None:
    result = run_check(tmp_path, FAKE_RULES=rules)
    assert result.returncode == 1
    assert "has no EventBridge rules" in result.stdout
