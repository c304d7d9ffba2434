"""A moto SageMaker with the project's model package group and another project's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.pipeline_templates.model_deploy.registry import GROUP, REGION


@pytest.fixture
def sagemaker() -> Iterator[Any]:
    """SageMaker in moto, holding the groups cd4ml-sandbox-churn and cd4ml-sandbox-other."""
    with mock_aws():
        client = boto3.client("sagemaker", region_name=REGION)
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        client.create_model_package_group(ModelPackageGroupName="cd4ml-sandbox-other")
        yield client
