"""The parameters of the project template, and the project definition they make.

A project declared in config is validated when the app synthesizes; a project
created from the template in SageMaker Projects is validated by CloudFormation
when ``CreateProject`` starts its stack. So each parameter carries the
AllowedPattern, AllowedValues or bounds of the config field it stands for, and
the :class:`ProjectConfig` the template builds from them skips pydantic's
validation (``model_construct``): its values are CloudFormation references.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk

from cd4ml_constructs.loop.naming import LoopNames
from config.base import EMAIL as _EMAIL
from config.projects import (
    _METRIC_NAME,
    _TEAM,
    ENDPOINT_NAME_LIMIT,
    PROJECT_NAME,
    MetricConfig,
    ProjectConfig,
)
from constructs import Construct

# Filled by SageMaker Projects on every CreateProject; a template declares them.
SAGEMAKER_PARAMETERS = ("SageMakerProjectName", "SageMakerProjectId")
# SageMaker project ids look like p-abcdefghijkl.
PROJECT_ID = r"^p-[a-z0-9]{1,16}$"
PROJECT_NAME_MAX = 31
# A Python regular expression and a CloudFormation AllowedPattern (Java) agree
# on these; AllowedPattern always matches the whole value.
EMAIL_OR_EMPTY = rf"^$|{_EMAIL.pattern}"


def project_name_max_length(names: LoopNames) -> int:
    """Longest project name whose production endpoint name fits SageMaker's 63 characters."""
    endpoint_overhead = len(names.default_endpoint(""))
    return min(PROJECT_NAME_MAX, ENDPOINT_NAME_LIMIT - endpoint_overhead)


@dataclass(frozen=True)
class TemplateSettings:
    """What the template's parameters hold, as the construct tree uses them.

    :param project: the project definition, its values references to the parameters.
    :param project_id: the SageMaker project id.
    :param notification_email: an address for the team topic, or an empty string.
    """

    project: ProjectConfig
    project_id: str
    notification_email: str


def template_parameters(scope: Construct, *, names: LoopNames) -> TemplateSettings:
    """Declare the template's parameters in ``scope``'s stack; return the project they define.

    Structural choices that are Python decisions in the construct are fixed for
    the template: the model-build source is the S3 zip (``source.kind`` s3),
    retrains follow new raw data and drift (no scheduled retrain), the drift
    check watches ``cd4ml-<env>-<project>-prod`` with the default thresholds,
    cooldown and schedule, and ``min_improvement`` is 0.
    """
    name = cdk.CfnParameter(
        scope,
        "SageMakerProjectName",
        type="String",
        description="Project name (SageMaker fills it in): lowercase letters, digits and '-', "
        "starting with a letter",
        allowed_pattern=PROJECT_NAME.pattern,
        min_length=2,
        max_length=project_name_max_length(names),
        constraint_description=f"2-{project_name_max_length(names)} lowercase letters, digits "
        f"or '-', starting with a letter (the endpoint {names.default_endpoint('<name>')} "
        "must fit 63 characters)",
    )
    project_id = cdk.CfnParameter(
        scope,
        "SageMakerProjectId",
        type="String",
        description="Project id (SageMaker fills it in)",
        allowed_pattern=PROJECT_ID,
        constraint_description="a SageMaker project id, p-<letters and digits>",
    )
    team = cdk.CfnParameter(
        scope,
        "Team",
        type="String",
        description="Team that owns the project's models",
        allowed_pattern=_TEAM.pattern,
        constraint_description="1-128 letters, digits, spaces and _ . : / = + - @",
    )
    metric_name = cdk.CfnParameter(
        scope,
        "MetricName",
        type="String",
        default="auc",
        description="Key of the metric in the evaluation report that the quality gate judges",
        allowed_pattern=_METRIC_NAME.pattern,
        constraint_description="1-128 letters, digits or _ . : -",
    )
    metric_direction = cdk.CfnParameter(
        scope,
        "MetricDirection",
        type="String",
        default="higher",
        description="higher: larger metric values are better; lower: smaller values are better",
        allowed_values=["higher", "lower"],
    )
    min_threshold = cdk.CfnParameter(
        scope,
        "MinThreshold",
        type="Number",
        description="Worst acceptable metric value: a floor (higher) or a ceiling (lower)",
    )
    approval_mode = cdk.CfnParameter(
        scope,
        "ApprovalMode",
        type="String",
        default="manual",
        description="auto: the quality gate approves; manual: a model approver approves",
        allowed_values=["auto", "manual"],
    )
    email = cdk.CfnParameter(
        scope,
        "NotificationEmail",
        type="String",
        default="",
        description="Address subscribed to the project's notification topic (optional)",
        allowed_pattern=EMAIL_OR_EMPTY,
        constraint_description="an email address, or empty",
    )
    project = ProjectConfig.model_construct(
        name=name.value_as_string,
        team=team.value_as_string,
        metric=MetricConfig.model_construct(
            name=metric_name.value_as_string, direction=metric_direction.value_as_string
        ),
        min_threshold=min_threshold.value_as_number,
        approval_mode=approval_mode.value_as_string,
    )
    # model_construct leaves the defaults of the nested models as the class's
    # own: source s3, retrain on without a schedule, default drift settings.
    return TemplateSettings(
        project=project,
        project_id=project_id.value_as_string,
        notification_email=email.value_as_string,
    )
