"""The shipped default pipeline: one env-agnostic sandbox stage, started by an S3 zip upload."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cfnlint.api

from tests.unit.delivery.conftest import SynthesizedDelivery

ROOT = Path(__file__).parents[3]


def test_source_is_the_zip_in_the_pipelines_own_bucket(
    delivery_default: SynthesizedDelivery,
) -> None:
    pipeline = delivery_default.one("AWS::CodePipeline::Pipeline")
    assert pipeline["PipelineType"] == "V2"
    source_stage, *_ = pipeline["Stages"]
    (source,) = source_stage["Actions"]
    assert source["ActionTypeId"]["Provider"] == "S3"
    bucket_id = source["Configuration"]["S3Bucket"]["Ref"]
    assert source["Configuration"]["S3ObjectKey"] == "cd4ml-platform/source.zip"
    assert source["Configuration"]["PollForSourceChanges"] is False
    bucket = delivery_default.stack.resources[bucket_id]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["NotificationConfiguration"]["EventBridgeConfiguration"] == {
        "EventBridgeEnabled": True
    }
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "source/"

    (rule,) = [
        r
        for r in delivery_default.stack.resources_of_type("AWS::Events::Rule").values()
        if "/KeyAlarms/" not in r["Metadata"]["aws:cdk:path"]
    ]
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": bucket_id}]},
            "object": {"key": ["cd4ml-platform/source.zip"]},
        },
    }
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::Join"][1][-1] == {"Ref": "DeliveryPipelineAB014EF6"}


def test_sandbox_stage_deploys_into_the_pipelines_own_account(
    delivery_default: SynthesizedDelivery,
) -> None:
    pipeline = delivery_default.one("AWS::CodePipeline::Pipeline")
    names = [s["Name"] for s in pipeline["Stages"]]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "sandbox"]
    actions = pipeline["Stages"][-1]["Actions"]
    assert all(a["ActionTypeId"]["Category"] != "Approval" for a in actions)
    deploy = next(a for a in actions if a["Name"] == "guardrails.Deploy")
    assert deploy["RoleArn"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":iam::",
                {"Ref": "AWS::AccountId"},
                ":role/cdk-hnb659fds-deploy-role-",
                {"Ref": "AWS::AccountId"},
                "-",
                {"Ref": "AWS::Region"},
            ],
        ]
    }


def test_default_passes_every_pack_and_cfn_lint(delivery_default: SynthesizedDelivery) -> None:
    assert delivery_default.assembly.findings(suppressed=False) == []
    config = cfnlint.api.ManualArgs(regions=["us-east-1"])
    matches = cfnlint.api.lint_file(delivery_default.stack.template_path, config=config)
    assert [str(m) for m in matches] == []


def test_bad_pipeline_config_exits_2_with_one_line(tmp_path: Path) -> None:
    environment = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"pipeline": "nowhere"})}
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "config error: config/nowhere.yaml: file not found; pass -c pipeline=NAME for "
        "config/NAME.yaml"
    ]
