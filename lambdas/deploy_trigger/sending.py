"""Sending a version to the deploy pipeline: record it first, then start the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loop_common.aws_errors import is_definite_refusal, watched_attempts
from loop_common.deploy_state import DeployedVersion, DeployState

if TYPE_CHECKING:
    from botocore.client import BaseClient

MODEL_PACKAGE_VARIABLE = "ModelPackageArn"


def start_deploy(codepipeline: BaseClient, *, pipeline: str, package_arn: str, token: str) -> str:
    """Start the deploy pipeline for ``package_arn``; return the execution id."""
    response = codepipeline.start_pipeline_execution(
        name=pipeline,
        variables=[{"name": MODEL_PACKAGE_VARIABLE, "value": package_arn}],
        clientRequestToken=token,
    )
    return str(response["pipelineExecutionId"])


def send_version(
    state: DeployState,
    codepipeline: BaseClient,
    *,
    project: str,
    pipeline: str,
    version: DeployedVersion,
    previous: DeployedVersion | None,
    token: str,
) -> DeployedVersion:
    """Record ``version``, then start its deploy; return the record with the execution id."""
    if previous is None or previous.event_id != version.event_id:
        state.record_deployed_version(project, version)
    with watched_attempts(codepipeline) as attempts:
        try:
            execution_id = start_deploy(
                codepipeline, pipeline=pipeline, package_arn=version.model_package_arn, token=token
            )
        except Exception as error:
            if is_definite_refusal(error, attempts) and (
                previous is None or previous.event_id != version.event_id
            ):
                restore_record(state, project, previous, version)
            raise
    state.note_deploy_execution(project, event_id=version.event_id, execution_id=execution_id)
    return DeployedVersion(
        model_package_arn=version.model_package_arn,
        model_package_version=version.model_package_version,
        deploy_execution_id=execution_id,
        event_id=version.event_id,
        cause=version.cause,
        requested_at=version.requested_at,
    )


def restore_record(
    state: DeployState, project: str, previous: DeployedVersion | None, mine: DeployedVersion
) -> None:
    # Nothing was started: the record goes back to what production runs.
    if previous is not None:
        state.record_deployed_version(project, previous)
    else:
        state.forget_deployed_version(project, event_id=mine.event_id)
