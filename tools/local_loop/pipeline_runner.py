"""A SageMaker pipeline definition of the seed code, run locally step by step against moto.

Each step runs the seed code's own script in-process, as its container would:
inputs are downloaded from S3 into a scratch folder laid out like the
container's (``/opt/ml/processing/...``, ``/opt/ml/input/data/<channel>``), the
script's ``main`` gets the paths and hyperparameters the container would pass,
and outputs are uploaded where the definition says. The definition's
expressions resolve as SageMaker Pipelines resolves them: ``Get`` of
parameters, execution variables and step properties, ``Std:Join``,
``Std:JsonGet`` on property files. Conditions are evaluated, a ``RegisterModel``
step calls ``CreateModelPackage`` with its resolved arguments, and a ``Fail``
step ends the run ``Failed`` with its resolved message.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import operator
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.local_loop.seed_pipeline import STEPS_DIR, import_seed_code

_PROCESSING = "/opt/ml/processing"
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "GreaterThanOrEqualTo": operator.ge,
    "GreaterThan": operator.gt,
    "LessThanOrEqualTo": operator.le,
    "LessThan": operator.lt,
    "Equals": operator.eq,
}


@dataclass
class RunOutcome:
    """How a local run ended, and what it produced."""

    status: str = "Executing"
    failure_reason: str | None = None
    model_package_arn: str | None = None
    property_files: dict[str, Any] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)


class PipelineRun:
    """One execution of ``definition`` with ``parameters``, its files under ``scratch``."""

    def __init__(
        self,
        definition: dict[str, Any],
        *,
        clients: dict[str, Any],
        execution_arn: str,
        parameters: dict[str, str],
        scratch: Path,
    ) -> None:
        self.definition = definition
        self.s3 = clients["s3"]
        self.sagemaker = clients["sagemaker"]
        self.scratch = scratch
        defaults = {p["Name"]: p.get("DefaultValue", "") for p in definition["Parameters"]}
        self.values: dict[str, Any] = {
            **{f"Parameters.{name}": value for name, value in defaults.items()},
            **{f"Parameters.{name}": value for name, value in parameters.items()},
            "Execution.PipelineExecutionArn": execution_arn,
            "Execution.PipelineExecutionId": execution_arn.rsplit("/", 1)[-1],
            "Execution.PipelineName": execution_arn.split(":pipeline/")[1].split("/")[0],
        }
        self.outcome = RunOutcome()

    # --- expressions ----------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        """``value`` with every pipeline expression in it replaced by its value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Get"}:
            if value["Get"] not in self.values:
                raise KeyError(f"{value['Get']} has no value yet in this run")
            return self.values[value["Get"]]
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            return join["On"].join(str(self.resolve(item)) for item in join["Values"])
        if set(value) == {"Std:JsonGet"}:
            document = self.outcome.property_files[value["Std:JsonGet"]["PropertyFile"]["Get"]]
            for part in value["Std:JsonGet"]["Path"].split("."):
                document = document[part]
            return document
        return {key: self.resolve(item) for key, item in value.items()}

    # --- steps ---------------------------------------------------------------

    def run(self) -> RunOutcome:
        """Run every step in order until the run succeeds or fails."""
        for step in self.definition["Steps"]:
            self._run_step(step)
            if self.outcome.status == "Failed":
                return self.outcome
        self.outcome.status = "Succeeded"
        return self.outcome

    def _run_step(self, step: dict[str, Any]) -> None:
        kind = step["Type"]
        if kind == "Processing":
            self._processing(step)
        elif kind == "Training":
            self._training(step)
        elif kind == "Condition":
            arguments = step["Arguments"]
            held = all(
                _COMPARISONS[c["Type"]](self.resolve(c["LeftValue"]), self.resolve(c["RightValue"]))
                for c in arguments["Conditions"]
            )
            self.outcome.steps.append(f"{step['Name']}: {'true' if held else 'false'}")
            for inner in arguments["IfSteps" if held else "ElseSteps"]:
                self._run_step(inner)
        elif kind == "RegisterModel":
            response = self.sagemaker.create_model_package(**self.resolve(step["Arguments"]))
            self.outcome.model_package_arn = response["ModelPackageArn"]
            self.outcome.steps.append(f"{step['Name']}: {response['ModelPackageArn']}")
        elif kind == "Fail":
            self.outcome.status = "Failed"
            self.outcome.failure_reason = str(self.resolve(step["Arguments"]["ErrorMessage"]))
            self.outcome.steps.append(f"{step['Name']}: {self.outcome.failure_reason}")
        else:
            raise NotImplementedError(f"step type {kind} of {step['Name']}")

    def _processing(self, step: dict[str, Any]) -> None:
        name, arguments = step["Name"], self.resolve(step["Arguments"])
        root = self.scratch / name

        def local(container_path: str) -> Path:
            return root / container_path.removeprefix(_PROCESSING).strip("/")

        entrypoint = arguments["AppSpecification"]["ContainerEntrypoint"][-1]
        for item in arguments["ProcessingInputs"]:
            self._download(item["S3Input"]["S3Uri"], local(item["S3Input"]["LocalPath"]))
        script = Path(entrypoint).stem
        # The script runs from this checkout (imported once per process): it must be
        # the very file the step's code input delivered.
        delivered = local(entrypoint).read_bytes()
        if delivered != (STEPS_DIR / f"{script}.py").read_bytes():
            raise RuntimeError(f"{entrypoint} in the code bundle differs from the seed code's")
        argv = _SCRIPT_ARGUMENTS[script](local)
        with _environment(arguments.get("Environment", {})), _quiet():
            importlib.import_module(script).main(argv)
        outputs = {}
        for output in arguments["ProcessingOutputConfig"]["Outputs"]:
            uri = output["S3Output"]["S3Uri"]
            self._upload(local(output["S3Output"]["LocalPath"]), uri)
            outputs[output["OutputName"]] = local(output["S3Output"]["LocalPath"])
            key = f"Steps.{name}.ProcessingOutputConfig.Outputs['{output['OutputName']}']"
            self.values[f"{key}.S3Output.S3Uri"] = uri
        for spec in step.get("PropertyFiles", []):
            path = outputs[spec["OutputName"]] / spec["FilePath"]
            document = json.loads(path.read_text(encoding="utf-8"))
            self.outcome.property_files[
                f"Steps.{name}.PropertyFiles.{spec['PropertyFileName']}"
            ] = document
        self.outcome.steps.append(
            f"{name}: {script}.py in {arguments['AppSpecification']['ImageUri']}"
        )

    def _training(self, step: dict[str, Any]) -> None:
        name, arguments = step["Name"], self.resolve(step["Arguments"])
        root = self.scratch / name
        environment = {"SM_MODEL_DIR": str(root / "model")}
        for channel in arguments["InputDataConfig"]:
            if channel["ChannelName"] == "code":
                continue
            target = root / "input" / "data" / channel["ChannelName"]
            self._download(channel["DataSource"]["S3DataSource"]["S3Uri"], target)
            environment[f"SM_CHANNEL_{channel['ChannelName'].upper()}"] = str(target)
        hyperparameters = {k: json.loads(v) for k, v in arguments["HyperParameters"].items()}
        script = Path(hyperparameters.pop("sagemaker_program")).stem
        hyperparameters.pop("sagemaker_submit_directory")
        argv = [part for k, v in sorted(hyperparameters.items()) for part in (f"--{k}", str(v))]
        with _environment(environment), _quiet():
            importlib.import_module(script).main(argv)
        job = f"{name.lower()}-{self.values['Execution.PipelineExecutionId']}"
        model_uri = f"{arguments['OutputDataConfig']['S3OutputPath']}/{job}/output/model.tar.gz"
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as archive:
            for path in sorted((root / "model").rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=path.relative_to(root / "model").as_posix())
        bucket, key = _split(model_uri)
        self.s3.put_object(Bucket=bucket, Key=key, Body=packed.getvalue())
        self.values[f"Steps.{name}.ModelArtifacts.S3ModelArtifacts"] = model_uri
        self.outcome.steps.append(f"{name}: {script}.py {argv} -> {model_uri}")

    # --- S3 ------------------------------------------------------------------

    def _download(self, uri: str, target: Path) -> None:
        bucket, prefix = _split(uri)
        paginator = self.s3.get_paginator("list_objects_v2")
        found = False
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                relative = item["Key"][len(prefix) :].lstrip("/") or Path(item["Key"]).name
                path = target / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
                found = True
        if not found:
            raise FileNotFoundError(f"nothing under {uri}")

    def _upload(self, source: Path, uri: str) -> None:
        bucket, prefix = _split(uri)
        for path in sorted(source.rglob("*")):
            if path.is_file():
                key = f"{prefix.rstrip('/')}/{path.relative_to(source).as_posix()}"
                self.s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


_SCRIPT_ARGUMENTS: dict[str, Callable[[Callable[[str], Path]], list[str]]] = {
    "preprocess": lambda local: [
        "--input-dir",
        str(local(f"{_PROCESSING}/input/raw")),
        "--output-dir",
        str(local(_PROCESSING)),
    ],
    "evaluate": lambda local: [
        "--model",
        str(local(f"{_PROCESSING}/input/model")),
        "--test-dir",
        str(local(f"{_PROCESSING}/input/test")),
        "--output-dir",
        str(local(f"{_PROCESSING}/evaluation")),
    ],
    "baseline": lambda local: [
        "--train-dir",
        str(local(f"{_PROCESSING}/input/train")),
        "--output-dir",
        str(local(f"{_PROCESSING}/baseline")),
    ],
}


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    import_seed_code()
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update({name: str(value) for name, value in variables.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # The scripts print for the job's log; here that would break the trace.
    with contextlib.redirect_stdout(io.StringIO()):
        yield
