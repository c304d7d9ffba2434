"""What the deploy pipeline hands its actions: endpoint stack parameters, check variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import aws_cdk as cdk

from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget

if TYPE_CHECKING:
    from config.project_deploy import DeployConfig


def endpoint_parameters(
    target: EndpointTarget,
    *,
    environment: str,
    project: str,
    deploy: DeployConfig,
    model_package_arn: str,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    artifacts_key_arn: str,
    capture_uri: str,
) -> dict[str, str]:
    """Parameter overrides of ``endpoint.yaml`` for ``target``; production gets the guardrails.

    Subnet and security group ids may be deploy-time tokens (an SSM StringList):
    they are joined, never indexed.
    """
    production = target.stage == "prod"
    parameters = {
        "Environment": environment,
        "Project": project,
        "EndpointName": target.endpoint_name,
        "ModelPackageArn": model_package_arn,
        "ExecutionRoleArn": target.endpoint_role_arn,
        "SubnetIds": cdk.Fn.join(",", list(subnet_ids)),
        "SecurityGroupIds": cdk.Fn.join(",", list(security_group_ids)),
        "InstanceType": deploy.instance_type,
        "InitialInstanceCount": str(
            deploy.production_instance_count if production else deploy.initial_instance_count
        ),
        "KmsKeyArn": artifacts_key_arn,
        "DataCaptureS3Uri": capture_uri,
        "DataCapturePercent": str(deploy.data_capture_percent),
        "DeploymentGuardrails": "true" if production else "false",
        "LatencyThresholdMicroseconds": str(deploy.latency_alarm_ms * 1000),
        "ErrorThreshold5xx": str(deploy.error_alarm_5xx),
    }
    if production:
        parameters |= {
            "CanaryPercent": str(deploy.canary_percent),
            "CanaryWaitSeconds": str(deploy.canary_wait_minutes * 60),
            "BakingSeconds": str(deploy.baking_minutes * 60),
            "DeploymentTimeoutSeconds": str(deploy.deployment_timeout_seconds),
        }
    return parameters


def check_variables(
    target: EndpointTarget, *, namespace: str, model_package_arn: str
) -> dict[str, str]:
    """Environment of a verify check: the endpoint and what its stack says it now serves.

    ``namespace`` is the CloudFormation action's variables namespace; the
    action publishes the stack's outputs there.
    """
    values = {
        "STAGE": target.stage,
        "ENDPOINT_NAME": target.endpoint_name,
        "EXPECTED_ENDPOINT_CONFIG": f"#{{{namespace}.EndpointConfigName}}",
        "EXPECTED_MODEL": f"#{{{namespace}.ModelName}}",
        "MODEL_PACKAGE_ARN": model_package_arn,
    }
    if target.verify_role_arn is not None:
        values["TARGET_ROLE_ARN"] = target.verify_role_arn
    return values
