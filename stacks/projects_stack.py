"""ProjectsStack: the ML projects an environment declares in config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from cd4ml_constructs.loop import LoopNames, MlProject
from config.loop import ProjectConfig
from constructs import Construct

# Where SageMaker endpoints write data capture, under the artifacts bucket; the
# deploy pipeline sets DataCaptureConfig.DestinationS3Uri to this prefix.
DATA_CAPTURE_PREFIX = "data-capture"


class ProjectsStack(cdk.Stack):
    """One :class:`MlProject` per project of ``projects`` (``self.projects[name]``).

    Depends on the loop (its functions and alarm topic); the loop does not
    depend on it, so adding a project never redeploys the loop functions.

    :param names: the environment's naming contract.
    :param projects: the validated project definitions.
    :param retrain_trigger: the retrain trigger function.
    :param drift_check: the drift check function.
    :param alarm_topic: the platform alarm topic.
    :param messages_key: key of topics, dead-letter queues and schedules.
    :param artifacts_bucket: where endpoints write data capture.
    :param registry_accounts: other accounts that may read the model package groups.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        projects: Sequence[ProjectConfig],
        retrain_trigger: lambda_.IFunction,
        drift_check: lambda_.IFunction,
        alarm_topic: sns.ITopic,
        messages_key: kms.IKey,
        artifacts_bucket: s3.IBucket,
        registry_accounts: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        capture_prefix = artifacts_bucket.s3_url_for_object(DATA_CAPTURE_PREFIX)
        self.projects: dict[str, MlProject] = {
            project.name: MlProject(
                self,
                _pascal(project.name),
                project=project,
                names=names,
                retrain_trigger=retrain_trigger,
                drift_check=drift_check,
                alarm_topic=alarm_topic,
                messages_key=messages_key,
                capture_prefix=capture_prefix,
                registry_accounts=registry_accounts,
            )
            for project in projects
        }


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
