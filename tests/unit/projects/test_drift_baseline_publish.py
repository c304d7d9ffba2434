"""After the production deploy, the deployed model's drift baseline goes where the drift check reads."""

from __future__ import annotations

import json
from typing import Any

from cd4ml_constructs.loop.naming import LoopNames
from drift_check.scheduled_check import DriftCheckSettings, default_baseline_uri
from tests.unit.projects import template_reading as reading
from tests.unit.projects.deploy_pipeline_app import BUCKET, GROUP, KEY_ARN, DeployPipelineApp

BASELINE_KEY = "drift-baselines/churn/cd4ml-sandbox-churn-prod/baseline.json"


def _variables(template: dict[str, Any]) -> dict[str, str]:
    action = reading.action(template, "PublishDriftBaseline", "PublishDriftBaseline")
    rendered = reading.render(action["Configuration"]["EnvironmentVariables"])
    return {v["name"]: v["value"] for v in json.loads(rendered)}


def test_the_baseline_is_published_after_the_production_verify(local: dict[str, Any]) -> None:
    stages = [stage["Name"] for stage in reading.pipeline(local)["Stages"]]
    assert stages[-2:] == ["VerifyProduction", "PublishDriftBaseline"]
    (action,) = reading.pipeline(local)["Stages"][-1]["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeBuild"


def test_the_target_is_where_the_production_drift_check_reads_its_baseline(
    deployed: DeployPipelineApp, local: dict[str, Any], cross: dict[str, Any]
) -> None:
    # The drift monitor watches names.default_endpoint(project) unless config names another.
    production = deployed.local.production.endpoint_name
    assert production == LoopNames("sandbox").default_endpoint("churn")
    expected = default_baseline_uri(DriftCheckSettings(report_bucket=BUCKET), "churn", production)
    for template in (local, cross):
        variables = _variables(template)
        assert variables == {
            "MODEL_PACKAGE_ARN": "#{variables.ModelPackageArn}",
            "BASELINE_SOURCE_URI": f"s3://{BUCKET}/projects/churn/build/",
            "BASELINE_URI": expected,
            "KMS_KEY_ARN": KEY_ARN,
        }
    assert expected == f"s3://{BUCKET}/{BASELINE_KEY}"


def test_the_publish_role_writes_only_the_baseline_object(
    deployed: DeployPipelineApp, local: dict[str, Any]
) -> None:
    statements = reading.statements(local, deployed.local.baseline_publish.role)
    writes = [
        s
        for s in statements
        if any(a.startswith("s3:Put") for a in reading.by_actions([s]).popitem()[0])
    ]
    assert len(writes) == 1
    assert reading.resources(writes[0]) == [f"arn:<AWS::Partition>:s3:::{BUCKET}/{BASELINE_KEY}"]
    assert writes[0]["Action"] == "s3:PutObject"
    found = reading.by_actions(statements)
    reads = [
        resource
        for s in statements
        if "s3:GetObject*" in s["Action"]
        for resource in reading.resources(s)
        if "/" in resource.split(":::")[1]
    ]
    # The run artifacts under the pipeline's prefix (the source), and the build runs.
    assert sorted(reads) == [
        f"arn:<AWS::Partition>:s3:::{BUCKET}/cd4ml-sandbox-churn-/*",
        f"arn:<AWS::Partition>:s3:::{BUCKET}/projects/churn/build/runs/*",
    ]
    assert reading.resources(found[("sagemaker:DescribeModelPackage",)]) == [
        f"arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model-package/{GROUP}/*"
    ]
    assert reading.resources(found[("kms:GenerateDataKey",)]) == [KEY_ARN]
    deletes = [a for s in statements for a in reading.by_actions([s]).popitem()[0]]
    assert not [a for a in deletes if a.startswith(("s3:Delete", "sagemaker:Update"))]
