"""A moto registry with the project's group, its versions, and models built from them."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
GROUP = "cd4ml-sandbox-churn"
ENDPOINT = "cd4ml-sandbox-churn-staging"
ROLE = "arn:aws:iam::123456789012:role/endpoint"


def package(sagemaker: Any, status: str, group: str = GROUP) -> str:
    return str(
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
        )["ModelPackageArn"]
    )


def model_and_config(sagemaker: Any, suffix: str, package_arn: str) -> tuple[str, str]:
    model, config = f"Model-{suffix}", f"EndpointConfig-{suffix}"
    sagemaker.create_model(
        ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": package_arn}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    return model, config
