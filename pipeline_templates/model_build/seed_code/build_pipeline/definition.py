"""The model-build SageMaker pipeline, defined with the SageMaker Python SDK v3.

Preprocess -> Train -> Evaluate, and Baseline beside Train; then a condition on
the project's metric: at or beyond ``MIN_THRESHOLD`` the model is registered
``PendingManualApproval`` (with its evaluation report, drift baseline, data
version, code commit and parameters), otherwise the run fails with a message
that says why. The quality gate takes it from the registry.

Import this module only after the region is set and ``SAGEMAKER_VALIDATE_ROLE``
is ``false`` (``pipeline.py`` does both): importing the SDK without a region
raises, and role validation calls IAM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sagemaker.core import image_uris
from sagemaker.core.network import NetworkConfig
from sagemaker.core.processing import Processor
from sagemaker.core.shapes import (
    MetricDefinition,
    ProcessingInput,
    ProcessingOutput,
    ProcessingS3Input,
    ProcessingS3Output,
    Tag,
)
from sagemaker.core.training.configs import (
    Compute,
    InputData,
    Networking,
    OutputDataConfig,
    StoppingCondition,
)
from sagemaker.core.workflow.conditions import (
    ConditionGreaterThanOrEqualTo,
    ConditionLessThanOrEqualTo,
)
from sagemaker.core.workflow.execution_variables import ExecutionVariables
from sagemaker.core.workflow.functions import Join, JsonGet
from sagemaker.core.workflow.parameters import ParameterString
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.core.workflow.properties import PropertyFile
from sagemaker.mlops.workflow import (
    ConditionStep,
    FailStep,
    Pipeline,
    ProcessingStep,
    TrainingStep,
)
from sagemaker.train import ModelTrainer

from build_pipeline.registration import register_step
from build_pipeline.settings import BuildSettings

SKLEARN_VERSION: Final = "1.9-0"
PROCESSING_INSTANCE: Final = "ml.m5.large"
TRAINING_INSTANCE: Final = "ml.m5.large"
MAX_RUNTIME_SECONDS: Final = 3600
# What the team tunes; recorded with every model package (param-<name>).
HYPERPARAMETERS: Final[Mapping[str, int | float]] = {
    "regularization": 1.0,
    "max_iter": 500,
    "seed": 42,
}
TRIGGER_PARAMETERS: Final = ("TriggerReason", "TriggerSource", "TriggerEventId")
CODE_DIR: Final = "/opt/ml/processing/input/code"


def build_pipeline(settings: BuildSettings, *, code_uri: str, session: PipelineSession) -> Pipeline:
    """The pipeline of ``settings``' project, running the code bundle at ``code_uri``."""
    image = image_uris.retrieve(
        "sklearn", region=settings.region, version=SKLEARN_VERSION, instance_type=TRAINING_INSTANCE
    )
    trigger = {name: ParameterString(name=name, default_value="") for name in TRIGGER_PARAMETERS}
    input_data = ParameterString(name="InputDataUri", default_value=settings.raw_data_uri)
    tags = [
        {"Key": "cd4ml:environment", "Value": settings.environment},
        {"Key": "cd4ml:project", "Value": settings.project},
    ]
    run_uri = Join(
        on="/", values=[settings.build_uri, "runs", ExecutionVariables.PIPELINE_EXECUTION_ID]
    )
    network = NetworkConfig(
        enable_network_isolation=True,
        security_group_ids=list(settings.security_group_ids),
        subnets=list(settings.subnet_ids),
        encrypt_inter_container_traffic=True,
    )

    def processing_step(
        name: str,
        *,
        inputs: Mapping[str, Any],
        outputs: tuple[str, ...],
        env: Mapping[str, Any] | None = None,
        property_files: list[PropertyFile] | None = None,
    ) -> ProcessingStep:
        processor = Processor(
            role=settings.pipeline_role_arn,
            image_uri=image,
            instance_count=1,
            instance_type=PROCESSING_INSTANCE,
            entrypoint=["python3", f"{CODE_DIR}/steps/{name.lower()}.py"],
            volume_kms_key=settings.kms_key_arn,
            output_kms_key=settings.kms_key_arn,
            max_runtime_in_seconds=MAX_RUNTIME_SECONDS,
            base_job_name=f"{settings.project}-{name.lower()}",
            sagemaker_session=session,
            env=dict(env or {}),
            tags=tags,
            network_config=network,
        )
        step_args = processor.run(
            inputs=[
                _input("code", f"{code_uri}/processing/", CODE_DIR),
                *(
                    _input(channel, source, f"/opt/ml/processing/input/{channel}")
                    for channel, source in inputs.items()
                ),
            ],
            outputs=[
                ProcessingOutput(
                    output_name=output,
                    s3_output=ProcessingS3Output(
                        s3_uri=Join(on="/", values=[run_uri, output]),
                        local_path=f"/opt/ml/processing/{output}",
                        s3_upload_mode="EndOfJob",
                    ),
                )
                for output in outputs
            ],
        )
        return ProcessingStep(name=name, step_args=step_args, property_files=property_files)

    build_record = PropertyFile(name="BuildRecord", output_name="record", path="build_record.json")
    preprocess = processing_step(
        "Preprocess",
        inputs={"raw": input_data},
        outputs=("train", "validation", "test", "record"),
        env={
            "RAW_DATA_URI": input_data,
            "TRIGGER_REASON": trigger["TriggerReason"],
            "TRIGGER_SOURCE": trigger["TriggerSource"],
            "TRIGGER_EVENT_ID": trigger["TriggerEventId"],
        },
        property_files=[build_record],
    )

    def split(name: str) -> Any:
        return preprocess.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri

    trainer = ModelTrainer(
        training_image=image,
        role=settings.pipeline_role_arn,
        sagemaker_session=session,
        base_job_name=f"{settings.project}-train",
        compute=Compute(
            instance_type=TRAINING_INSTANCE,
            instance_count=1,
            volume_size_in_gb=30,
            volume_kms_key_id=settings.kms_key_arn,
        ),
        networking=Networking(
            enable_network_isolation=True,
            subnets=list(settings.subnet_ids),
            security_group_ids=list(settings.security_group_ids),
            enable_inter_container_traffic_encryption=True,
        ),
        output_data_config=OutputDataConfig(
            s3_output_path=f"{settings.build_uri}/models", kms_key_id=settings.kms_key_arn
        ),
        stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_RUNTIME_SECONDS),
        # Script mode of the framework container; under network isolation the
        # toolkit reads the code from the "code" channel, not from S3.
        hyperparameters={
            "sagemaker_program": '"train.py"',
            "sagemaker_submit_directory": '"/opt/ml/input/data/code/sourcedir.tar.gz"',
            **{name.replace("_", "-"): value for name, value in HYPERPARAMETERS.items()},
        },
        tags=[Tag(key=tag["Key"], value=tag["Value"]) for tag in tags],
    ).with_metric_definitions(
        [MetricDefinition(name="validation:auc", regex=r"validation:auc=([0-9.]+)")]
    )
    train = TrainingStep(
        name="Train",
        step_args=trainer.train(
            input_data_config=[
                InputData(channel_name="code", data_source=f"{code_uri}/training/sourcedir.tar.gz"),
                InputData(channel_name="train", data_source=split("train")),
                InputData(channel_name="validation", data_source=split("validation")),
            ]
        ),
    )
    model_data = train.properties.ModelArtifacts.S3ModelArtifacts
    evaluation_report = PropertyFile(
        name="EvaluationReport", output_name="evaluation", path="evaluation.json"
    )
    evaluate = processing_step(
        "Evaluate",
        inputs={"model": model_data, "test": split("test")},
        outputs=("evaluation",),
        property_files=[evaluation_report],
    )
    baseline = processing_step("Baseline", inputs={"train": split("train")}, outputs=("baseline",))
    metric = JsonGet(
        step_name=evaluate.name,
        property_file=evaluation_report,
        json_path=f"binary_classification_metrics.{settings.metric_name}.value",
    )
    register = register_step(
        settings,
        image=image,
        session=session,
        model_data=model_data,
        evaluate=evaluate,
        baseline=baseline,
        record=lambda field: JsonGet(
            step_name=preprocess.name, property_file=build_record, json_path=field
        ),
        code_uri=code_uri,
        hyperparameters=HYPERPARAMETERS,
    )
    higher = settings.metric_direction == "higher"
    condition_type = ConditionGreaterThanOrEqualTo if higher else ConditionLessThanOrEqualTo
    held_back = FailStep(
        name="MetricBelowThreshold",
        error_message=Join(
            on=" ",
            values=[
                f"model held back: {settings.metric_name} =",
                metric,
                f"is {'below' if higher else 'above'} the project's minimum "
                f"{settings.min_threshold}; it was not registered",
            ],
        ),
    )
    check = ConditionStep(
        name="CheckMetric",
        conditions=[condition_type(left=metric, right=settings.min_threshold)],
        if_steps=[register],
        else_steps=[held_back],
    )
    return Pipeline(
        name=settings.pipeline_name,
        parameters=[*trigger.values(), input_data],
        steps=[preprocess, train, evaluate, baseline, check],
        sagemaker_session=session,
    )


def _input(name: str, source: Any, destination: str) -> ProcessingInput:
    return ProcessingInput(
        input_name=name,
        s3_input=ProcessingS3Input(
            s3_uri=source,
            local_path=destination,
            s3_data_type="S3Prefix",
            s3_input_mode="File",
            s3_data_distribution_type="FullyReplicated",
        ),
    )
