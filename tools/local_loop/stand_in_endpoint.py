"""A production endpoint in the local loop: the deployed package's real model, with data capture.

The model-deploy pipeline does not run locally (moto runs no CodePipeline
stage), so when it is started for a package this stand-in does what the
production deploy leaves behind: an endpoint serving that package's
``model.tar.gz`` through its own serving code (``code/inference.py``, CSV rows
in, one probability per line out), data capture in the layout SageMaker writes
(``<capture prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl``, one
JSON Lines record per request), and the package's drift baseline where the
scheduled drift check looks for it
(``s3://<report bucket>/drift-baselines/<project>/<endpoint>/baseline.json``).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

VARIANT = "AllTraffic"


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


class StandInEndpoint:
    """The endpoint ``endpoint_name`` serving the model package ``package_arn``."""

    def __init__(
        self,
        *,
        clients: dict[str, Any],
        package_arn: str,
        endpoint_name: str,
        capture_prefix: str,
        kms_key_arn: str,
    ) -> None:
        self.s3 = clients["s3"]
        self.endpoint_name = endpoint_name
        self.capture_prefix = capture_prefix.rstrip("/")
        self.kms_key_arn = kms_key_arn
        self.package = clients["sagemaker"].describe_model_package(ModelPackageName=package_arn)
        [container] = self.package["InferenceSpecification"]["Containers"]
        self._scratch = tempfile.TemporaryDirectory(prefix="cd4ml-endpoint-")
        model_dir = Path(self._scratch.name)
        bucket, key = _split(container["ModelDataUrl"])
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body)) as archive:
            archive.extractall(model_dir, filter="data")
        self.serving, self.model = _load_served_model(model_dir, container["Environment"])
        self.requests = 0

    def close(self) -> None:
        """Remove the extracted model."""
        self._scratch.cleanup()

    def place_baseline(self, report_bucket: str, project: str) -> str:
        """Copy the package's drift baseline to the drift check's default location."""
        source = self.package["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"]
        bucket, key = _split(source)
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        target = f"drift-baselines/{project}/{self.endpoint_name}/baseline.json"
        self.s3.put_object(
            Bucket=report_bucket,
            Key=target,
            Body=body,
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.kms_key_arn,
        )
        return f"s3://{report_bucket}/{target}"

    def invoke(self, rows: Sequence[Sequence[str]]) -> tuple[str, str]:
        """Answer one ``text/csv`` request of ``rows``: the payload and the response body."""
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        payload = text.getvalue()
        frame = self.serving.input_fn(payload, "text/csv")
        body, _ = self.serving.output_fn(self.serving.predict_fn(frame, self.model), "text/csv")
        self.requests += 1
        return payload, body

    def serve_and_capture(
        self, requests: Sequence[Sequence[Sequence[str]]], *, hour: datetime
    ) -> tuple[str, list[float]]:
        """Serve ``requests`` during ``hour`` and write their capture file; its URI and answers."""
        lines: list[str] = []
        answers: list[float] = []
        for number, rows in enumerate(requests):
            payload, body = self.invoke(rows)
            answers.extend(float(line) for line in body.splitlines())
            moment = hour.replace(minute=(number * 7) % 60)
            lines.append(
                json.dumps(
                    {
                        "captureData": {
                            "endpointInput": {
                                "observedContentType": "text/csv",
                                "mode": "INPUT",
                                "data": payload,
                                "encoding": "CSV",
                            },
                            "endpointOutput": {
                                "observedContentType": "text/csv",
                                "mode": "OUTPUT",
                                "data": body,
                                "encoding": "CSV",
                            },
                        },
                        "eventMetadata": {
                            "eventId": f"{hour:%Y%m%d%H}-{number:05d}",
                            "inferenceTime": f"{moment:%Y-%m-%dT%H:%M:%SZ}",
                        },
                        "eventVersion": "0",
                    }
                )
            )
        bucket, prefix = _split(self.capture_prefix)
        key = f"{prefix}/{self.endpoint_name}/{VARIANT}/{hour:%Y/%m/%d/%H}/capture-{hour:%M}.jsonl"
        self.s3.put_object(
            Bucket=bucket,
            Key=key.lstrip("/"),
            Body=("\n".join(lines) + "\n").encode(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.kms_key_arn,
        )
        return f"s3://{bucket}/{key.lstrip('/')}", answers


def _load_served_model(model_dir: Path, environment: dict[str, str]) -> tuple[ModuleType, Any]:
    """The package's serving program, imported from its own ``code/`` as the container does,
    and the model it loads.

    The package's copies of the modules carry their own names while the model
    loads (its pickle names them); afterwards the checkout's are put back.
    """
    code_dir = model_dir / "code"
    program = environment.get("SAGEMAKER_PROGRAM", "inference.py")
    names = ("inference", "churn_features", "churn_dataset")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, str(code_dir))
    try:
        spec = importlib.util.spec_from_file_location("inference", code_dir / program)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["inference"] = module
        spec.loader.exec_module(module)
        return module, module.model_fn(str(model_dir))
    finally:
        sys.path.remove(str(code_dir))
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
