"""The real model build in the local loop: the seed code's pipeline instead of the stand-in.

:class:`SeedCodeBuilds` attaches to a :class:`~tools.local_loop.world.LocalLoop`,
upserts the seed code's pipeline into moto as CodeBuild would, and answers
``StartPipelineExecution`` of the project's model-build pipeline by running
that definition (:mod:`tools.local_loop.pipeline_runner`)
with the parameters the retrain trigger passed: the raw data in moto's raw
bucket is preprocessed, a model trained, evaluated and baselined, and the
definition's condition decides between registering the package (its
``CreateModelPackage`` arguments straight from the definition) and failing the
run. Then AWS's events follow: the package's state change, the run's status.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from tools.local_loop import aws_events
from tools.local_loop.pipeline_runner import PipelineRun, RunOutcome
from tools.local_loop.seed_pipeline import build_environment, upsert_seed_pipeline
from tools.local_loop.world import ACCOUNT, REGION, LocalLoop


class SeedCodeBuilds:
    """Model-build runs of ``project`` on ``loop``, by the seed code's own pipeline."""

    def __init__(self, loop: LocalLoop, project: str) -> None:
        self.loop = loop
        self.project = project
        self.policy = loop.policies[project]
        self.clients: dict[str, Any] = loop._clients
        self.environment = build_environment(
            self.policy,
            artifacts_bucket=loop.functions_environment("REPORT_BUCKET"),
            artifacts_key_arn=loop.functions_environment("REPORT_KMS_KEY_ID"),
            raw_bucket=loop.functions_environment("RAW_BUCKET_NAME"),
        )
        upsert_seed_pipeline(self.environment)
        described = self.clients["sagemaker"].describe_pipeline(
            PipelineName=self.policy["model_build_pipeline"]
        )
        self.definition = json.loads(described["PipelineDefinition"])
        loop.trace(
            f"  code: pipeline.py upsert -> {described['PipelineArn']} "
            f"({len(self.definition['Steps'])} top-level steps)"
        )
        self.runs: list[RunOutcome] = []
        # Each package as registered: moto's UpdateModelPackage (the quality gate's
        # approval) drops CustomerMetadataProperties, where AWS keeps them.
        self.registered: dict[str, dict[str, Any]] = {}
        self._scratch = tempfile.TemporaryDirectory(prefix="cd4ml-build-")
        self._stand_in = loop._run_build
        # The loop answers StartPipelineExecution through this method: swap in the real build.
        loop._run_build = self._run_build  # type: ignore[method-assign]

    def close(self) -> None:
        """Remove the runs' scratch files."""
        self._scratch.cleanup()

    def _run_build(self, pipeline_name: str, execution_arn: str) -> None:
        if pipeline_name != self.policy["model_build_pipeline"]:
            self._stand_in(pipeline_name, execution_arn)
            return
        listed = self.clients["sagemaker"].list_pipeline_parameters_for_execution(
            PipelineExecutionArn=execution_arn
        )
        parameters = {p["Name"]: p["Value"] for p in listed.get("PipelineParameters", [])}
        run = PipelineRun(
            self.definition,
            clients=self.clients,
            execution_arn=execution_arn,
            parameters=parameters,
            scratch=Path(self._scratch.name) / f"run-{len(self.runs) + 1}",
        )
        outcome = run.run()
        self.runs.append(outcome)
        trace = self.loop.trace
        trace(f"      build (seed code, trigger {parameters.get('TriggerSource') or 'none'}):")
        for line in outcome.steps:
            trace(f"        {line}")
        if outcome.model_package_arn:
            package = self.clients["sagemaker"].describe_model_package(
                ModelPackageName=outcome.model_package_arn
            )
            self.registered[outcome.model_package_arn] = package
            self.loop.emit(
                aws_events.model_package_state_change(
                    self.loop._event_id(), package=package, account=ACCOUNT, region=REGION
                )
            )
        self.loop.emit(
            aws_events.pipeline_execution_status_change(
                self.loop._event_id(),
                execution_arn=execution_arn,
                status=outcome.status,
                account=ACCOUNT,
                region=REGION,
            )
        )

    def metric_of(self, outcome: RunOutcome) -> float:
        """The project's metric as the run's evaluate step computed it."""
        report = outcome.property_files["Steps.Evaluate.PropertyFiles.EvaluationReport"]
        return float(
            report["binary_classification_metrics"][self.policy["metric"]["name"]]["value"]
        )

    def record_of(self, outcome: RunOutcome) -> dict[str, Any]:
        """The build record the run's preprocess step wrote (data version, trigger)."""
        return dict(outcome.property_files["Steps.Preprocess.PropertyFiles.BuildRecord"])
