"""What AWS emits in reply to the calls the handlers make, in the local loop.

- ``StartPipelineExecution`` of a model-build pipeline runs a stand-in build
  that registers a model package (``PendingManualApproval``) with the metrics
  the scenario queued, then reports the run as ``Succeeded`` (or holds it);
- ``UpdateModelPackage`` emits a ``Model Package State Change``;
- ``StartPipelineExecution`` of a deploy pipeline is recorded as a deploy;
- ``Publish`` to a topic is recorded as a notification.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from tools.local_loop import aws_events
from tools.local_loop.delivery import ApiCall, LoopRecord, short_package_name
from tools.local_loop.provisioning import ACCOUNT, REGION


class AwsReplies:
    """The replies of the emulated account; ``LocalLoop`` provides the state they use."""

    record: LoopRecord
    trace: Callable[[str], None]
    policies: dict[str, dict[str, Any]]
    hold_builds: bool
    _clients: dict[str, Any]
    _held_builds: list[str]
    _next_metrics: dict[str, deque[float]]

    def emit(self, event: dict[str, Any]) -> None:
        """Put ``event`` on the local default bus."""
        raise NotImplementedError

    def register_package(
        self, project: str, metric_value: float, *, status: str, generated_by: str = "local"
    ) -> str:
        """Register a model package of ``project`` with an evaluation report in S3."""
        raise NotImplementedError

    def _event_id(self) -> str:
        raise NotImplementedError

    def _answer_calls(self, calls: list[ApiCall]) -> None:
        for service, operation, params, response in calls:
            if service == "sagemaker" and operation == "StartPipelineExecution":
                execution_arn = response["PipelineExecutionArn"]
                self.record.executions.append(
                    {"pipeline": params["PipelineName"], "execution": execution_arn}
                )
                self.trace(f"      AWS: build run started on {params['PipelineName']}")
                self._run_build(params["PipelineName"], execution_arn)
            elif service == "sagemaker" and operation == "UpdateModelPackage":
                package = self._clients["sagemaker"].describe_model_package(
                    ModelPackageName=params["ModelPackageArn"]
                )
                self.emit(
                    aws_events.model_package_state_change(
                        self._event_id(), package=package, account=ACCOUNT, region=REGION
                    )
                )
            elif service == "codepipeline" and operation == "StartPipelineExecution":
                variables = {v["name"]: v["value"] for v in params.get("variables", [])}
                self.record.deploys.append(
                    {
                        "pipeline": params["name"],
                        "model_package": variables.get("ModelPackageArn", ""),
                    }
                )
                self.trace(
                    f"      AWS: deploy pipeline {params['name']} started for "
                    f"{short_package_name(variables.get('ModelPackageArn', ''))}"
                )
            elif service == "sns" and operation == "Publish":
                self.record.notifications.append(
                    {
                        "topic": params["TopicArn"].rsplit(":", 1)[1],
                        "subject": params.get("Subject", ""),
                        "message": params["Message"],
                    }
                )
                self.trace(f"      AWS: notification '{params.get('Subject', '')}'")

    def _run_build(self, pipeline_name: str, execution_arn: str) -> None:
        """The stand-in model-build run: register a package with the queued metrics."""
        policy = next(
            p for p in self.policies.values() if p["model_build_pipeline"] == pipeline_name
        )
        project = policy["project"]
        metrics = self._next_metrics.get(project)
        if not metrics:
            raise RuntimeError(f"scenario queued no model metrics for a build of {project}")
        value = metrics.popleft()
        package_arn = self.register_package(
            project, value, status="PendingManualApproval", generated_by=execution_arn
        )
        self.trace(
            f"      AWS: build registered {short_package_name(package_arn)} with "
            f"{policy['metric']['name']}={value} (PendingManualApproval)"
        )
        package = self._clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
        self.emit(
            aws_events.model_package_state_change(
                self._event_id(), package=package, account=ACCOUNT, region=REGION
            )
        )
        if self.hold_builds:
            self._held_builds.append(execution_arn)
        else:
            self._finish_build(execution_arn)

    def _finish_build(self, execution_arn: str) -> None:
        self.emit(
            aws_events.pipeline_execution_status_change(
                self._event_id(),
                execution_arn=execution_arn,
                status="Succeeded",
                account=ACCOUNT,
                region=REGION,
            )
        )
