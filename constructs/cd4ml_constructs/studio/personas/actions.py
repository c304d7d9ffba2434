"""What personas may do, named once: approval, Studio spaces, MLflow tracking."""

from __future__ import annotations

import aws_cdk as cdk

from cd4ml_constructs.loop.naming import PRODUCTION_APPROVAL

SAGEMAKER = "sagemaker.amazonaws.com"
# Longest session of a persona, written into each role.
SESSION_DURATION = cdk.Duration.hours(1)

# Actions that decide whether a model may be deployed, or under which policy.
APPROVAL_ACTIONS: tuple[str, ...] = ("sagemaker:UpdateModelPackage",)
# The manual approval of production in each project's deploy pipeline
# (``cd4ml-<env>-<project>-deploy``, stage and action ``ApproveProduction``),
# and what the approver reads to review a run before deciding.
PRODUCTION_APPROVAL_ACTIONS: tuple[str, ...] = ("codepipeline:PutApprovalResult",)
PRODUCTION_APPROVAL_STEP = f"{PRODUCTION_APPROVAL}/{PRODUCTION_APPROVAL}"
DEPLOY_REVIEW_ACTIONS: tuple[str, ...] = (
    "codepipeline:GetPipelineExecution",
    "codepipeline:GetPipelineState",
    "codepipeline:ListPipelineExecutions",
)
APPROVAL_POLICY_ACTIONS: tuple[str, ...] = (
    "sagemaker:DeleteModelPackageGroupPolicy",
    "sagemaker:PutModelPackageGroupPolicy",
)
APPROVAL_PARAMETER_ACTIONS: tuple[str, ...] = (
    "ssm:DeleteParameter",
    "ssm:DeleteParameters",
    "ssm:LabelParameterVersion",
    "ssm:PutParameter",
)

# What a Studio persona may do to its own and to shared spaces of the domain.
STUDIO_SPACE_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateApp",
    "sagemaker:CreateSpace",
    "sagemaker:DeleteApp",
    "sagemaker:DeleteSpace",
    "sagemaker:UpdateSpace",
)

# MLflow actions for tracking experiments (runs, parameters, metrics, inputs,
# artifacts, logged models). The MLflow model registry is left out on purpose:
# models are registered and approved in the SageMaker model registry only.
MLFLOW_TRACKING_ACTIONS: tuple[str, ...] = (
    "sagemaker-mlflow:AccessUI",
    "sagemaker-mlflow:CreateExperiment",
    "sagemaker-mlflow:CreateRun",
    "sagemaker-mlflow:DeleteRun",
    "sagemaker-mlflow:DeleteTag",
    "sagemaker-mlflow:FinalizeLoggedModel",
    "sagemaker-mlflow:GetExperiment",
    "sagemaker-mlflow:GetExperimentByName",
    "sagemaker-mlflow:GetLoggedModel",
    "sagemaker-mlflow:GetMetricHistory",
    "sagemaker-mlflow:GetRun",
    "sagemaker-mlflow:ListArtifacts",
    "sagemaker-mlflow:ListLoggedModelArtifacts",
    "sagemaker-mlflow:LogBatch",
    "sagemaker-mlflow:LogInputs",
    "sagemaker-mlflow:LogLoggedModelParams",
    "sagemaker-mlflow:LogMetric",
    "sagemaker-mlflow:LogModel",
    "sagemaker-mlflow:LogOutputs",
    "sagemaker-mlflow:LogParam",
    "sagemaker-mlflow:RestoreRun",
    "sagemaker-mlflow:SearchExperiments",
    "sagemaker-mlflow:SearchLoggedModels",
    "sagemaker-mlflow:SearchRuns",
    "sagemaker-mlflow:SetExperimentTag",
    "sagemaker-mlflow:SetTag",
    "sagemaker-mlflow:UpdateExperiment",
    "sagemaker-mlflow:UpdateRun",
)
