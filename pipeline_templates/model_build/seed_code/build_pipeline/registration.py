"""The registration step: the trained model as a model package pending approval.

The package carries what the loop and an auditor need: the evaluation report
(``ModelMetrics.ModelQuality.Statistics``, read by the quality gate), the drift
baseline (``DriftCheckBaselines.ModelDataQuality.Statistics``, read by the drift
check), and customer metadata with the data version (the manifest hash the
preprocess step computed), the code commit and bundle, the trigger of the run
and the parameters. Metadata values may hold letters, digits, spaces and
``_.:/=+-@`` only, 1-256 characters: the preprocess step cleans what it records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from sagemaker.core.drift_check_baselines import DriftCheckBaselines
from sagemaker.core.metadata_properties import MetadataProperties
from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow import ModelStep, ProcessingStep
from sagemaker.serve.model_builder import ModelBuilder

from build_pipeline.settings import BuildSettings

INFERENCE_INSTANCES: Final = ("ml.m5.large", "ml.m5.xlarge")


def register_step(
    settings: BuildSettings,
    *,
    image: str,
    session: PipelineSession,
    model_data: Any,
    evaluate: ProcessingStep,
    baseline: ProcessingStep,
    record: Callable[[str], Any],
    code_uri: str,
    hyperparameters: Mapping[str, int | float],
) -> ModelStep:
    """Register the model of ``model_data`` in the project's group, ``PendingManualApproval``."""

    def output_file(step: ProcessingStep, output: str, file_name: str) -> Join:
        uri = step.properties.ProcessingOutputConfig.Outputs[output].S3Output.S3Uri
        return Join(on="/", values=[uri, file_name])

    metadata: dict[str, Any] = {
        "data-manifest-sha256": record("data_manifest_sha256"),
        "data-source": record("data_source"),
        "code-commit": settings.code_commit,
        "code-bundle": code_uri.rsplit("/", 1)[-1],
        "trigger-reason": record("trigger_reason"),
        "trigger-source": record("trigger_source"),
        "trigger-event-id": record("trigger_event_id"),
        "param-metric": f"{settings.metric_name} {settings.metric_direction}",
        "param-min-threshold": str(settings.min_threshold),
        **{f"param-{name.replace('_', '-')}": str(v) for name, v in hyperparameters.items()},
    }
    builder = ModelBuilder(
        image_uri=image,
        s3_model_data_url=model_data,
        role_arn=settings.pipeline_role_arn,
        sagemaker_session=session,
        env_vars={
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
            "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
            "SAGEMAKER_REGION": settings.region,
        },
        dependencies=None,
    )
    step_args = builder.register(
        model_package_group_name=settings.model_package_group,
        content_types=["text/csv"],
        response_types=["text/csv"],
        inference_instances=list(INFERENCE_INSTANCES),
        transform_instances=list(INFERENCE_INSTANCES),
        approval_status="PendingManualApproval",
        description=f"Churn model of {settings.project}, commit {settings.code_commit[:12]}",
        model_metrics=ModelMetrics(
            model_statistics=MetricsSource(
                content_type="application/json",
                s3_uri=output_file(evaluate, "evaluation", "evaluation.json"),
            )
        ),
        drift_check_baselines=DriftCheckBaselines(
            model_data_statistics=MetricsSource(
                content_type="application/json",
                s3_uri=output_file(baseline, "baseline", "baseline.json"),
            )
        ),
        metadata_properties=MetadataProperties(
            commit_id=settings.code_commit,
            generated_by=ExecutionVariables.PIPELINE_EXECUTION_ARN,
            project_id=settings.project,
        ),
        customer_metadata_properties=metadata,
    )
    return ModelStep(name="RegisterModel", step_args=step_args)
