"""A project's model-build and deploy pipelines, as stand-ins inside moto.

The project templates create these in AWS; the local loop and the handler
tests need them to exist so that ``StartPipelineExecution`` calls succeed.
"""

from __future__ import annotations

import json
from typing import Any

# Parameters the model-build pipeline declares for the retrain trigger.
BUILD_PARAMETERS = ("TriggerReason", "TriggerSource", "TriggerEventId")


def create_project_pipelines(
    clients: dict[str, Any],
    *,
    role_name: str,
    build_pipeline: str,
    deploy_pipeline: str,
    source_bucket: str,
) -> None:
    """Create the build pipeline and the deploy pipeline (V2, QUEUED, ``ModelPackageArn``).

    ``clients`` holds boto3 clients by service name: ``iam``, ``sagemaker``,
    ``codepipeline``; ``source_bucket`` must exist.
    """
    role_arn = clients["iam"].create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "codepipeline.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    parameters = [{"Name": name, "Type": "String", "DefaultValue": ""} for name in BUILD_PARAMETERS]
    clients["sagemaker"].create_pipeline(
        PipelineName=build_pipeline,
        PipelineDefinition=json.dumps(
            {"Version": "2020-12-01", "Parameters": parameters, "Steps": []}
        ),
        RoleArn=role_arn,
    )
    clients["codepipeline"].create_pipeline(
        pipeline={
            "name": deploy_pipeline,
            "roleArn": role_arn,
            "pipelineType": "V2",
            "executionMode": "QUEUED",
            "variables": [{"name": "ModelPackageArn", "defaultValue": "none"}],
            "artifactStore": {"type": "S3", "location": source_bucket},
            "stages": [
                _stage(
                    "Source",
                    "Source",
                    "S3",
                    output="source",
                    configuration={"S3Bucket": source_bucket, "S3ObjectKey": "deploy/source.zip"},
                ),
                _stage(
                    "Staging",
                    "Deploy",
                    "CloudFormation",
                    input="source",
                    configuration={"ActionMode": "CREATE_UPDATE"},
                ),
            ],
        }
    )


def _stage(
    name: str,
    category: str,
    provider: str,
    *,
    configuration: dict[str, str],
    input: str | None = None,
    output: str | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": "AWS",
            "provider": provider,
            "version": "1",
        },
        "runOrder": 1,
        "configuration": configuration,
    }
    if input:
        action["inputArtifacts"] = [{"name": input}]
    if output:
        action["outputArtifacts"] = [{"name": output}]
    return {"name": name, "actions": [action]}
