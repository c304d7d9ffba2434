"""CD4ML::EndpointConfigCustomerKey, both ways, on a synthesized bare stack."""

from __future__ import annotations

from typing import Any

import pytest

from cd4ml_constructs.compliance.rules import RuleContext
from cd4ml_constructs.compliance.rules.endpoint_config_customer_key import RULE


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    import aws_cdk as cdk
    from aws_cdk import assertions
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sagemaker as sagemaker

    stack = cdk.Stack(cdk.App(), "Bare")
    key = kms.Key(stack, "Key")
    variants = [
        sagemaker.CfnEndpointConfig.ProductionVariantProperty(
            variant_name="main",
            model_name="model",
            initial_instance_count=1,
            instance_type="ml.m5.large",
            initial_variant_weight=1,
        )
    ]

    def capture(key_id: str | None) -> sagemaker.CfnEndpointConfig.DataCaptureConfigProperty:
        return sagemaker.CfnEndpointConfig.DataCaptureConfigProperty(
            capture_options=[
                sagemaker.CfnEndpointConfig.CaptureOptionProperty(capture_mode="Input")
            ],
            destination_s3_uri="s3://bucket/capture",
            initial_sampling_percentage=100,
            kms_key_id=key_id,
        )

    cases: dict[str, dict[str, Any]] = {
        "Compliant": {"kms_key_id": key.key_arn, "data_capture_config": capture(key.key_arn)},
        "NoCapture": {"kms_key_id": key.key_arn},
        "NoStorageKey": {"data_capture_config": capture(key.key_arn)},
        "NoCaptureKey": {"kms_key_id": key.key_arn, "data_capture_config": capture(None)},
        "AwsManagedCaptureKey": {
            "kms_key_id": key.key_arn,
            "data_capture_config": capture("alias/aws/s3"),
        },
    }
    for logical_id, properties in cases.items():
        config = sagemaker.CfnEndpointConfig(
            stack, logical_id, production_variants=variants, **properties
        )
        config.override_logical_id(logical_id)
    return dict(assertions.Template.from_stack(stack).to_json())


def findings(template: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f.logical_id, f.location) for f in RULE.check(template, RuleContext())}


def test_storage_and_capture_encrypted_with_a_customer_key_is_compliant(
    template: dict[str, Any],
) -> None:
    reported = {logical_id for logical_id, _ in findings(template)}
    assert not reported & {"Compliant", "NoCapture"}


def test_missing_or_aws_managed_keys_are_reported_where_they_are(
    template: dict[str, Any],
) -> None:
    assert findings(template) == {
        ("NoStorageKey", "Properties/KmsKeyId"),
        ("NoCaptureKey", "Properties/DataCaptureConfig/KmsKeyId"),
        ("AwsManagedCaptureKey", "Properties/DataCaptureConfig/KmsKeyId"),
    }
