"""The step code a pipeline run executes: the step scripts and the platform's drift engine.

The bundle is addressed by content: ``<build uri>/code/<sha256 prefix>/``, so the
same code always gives the same pipeline definition, and a run keeps the code it
started with when the next commit uploads another bundle. Layout in S3::

    code/<id>/processing/steps/*.py            the processing steps' scripts
    code/<id>/processing/vendor/drift_check/   the drift engine (baseline step)
    code/<id>/training/sourcedir.tar.gz        the training script and serving code

The drift engine is looked for in ``vendor/drift_check`` beside the seed code
first (the platform copies it there when it packages this repository), then in
the directory named by ``CD4ML_DRIFT_ENGINE_DIR`` (the ``drift_check`` package
directory itself, such as ``lambdas/drift_check`` in the platform's repository).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

SEED_ROOT: Final = Path(__file__).resolve().parent.parent
DRIFT_ENGINE_ENV: Final = "CD4ML_DRIFT_ENGINE_DIR"
_SHIPPED_SUFFIXES: Final = (".py", ".md")


class DriftEngineNotFound(FileNotFoundError):
    """Neither ``vendor/drift_check`` nor ``CD4ML_DRIFT_ENGINE_DIR`` holds the drift engine."""


def find_drift_engine(environ: Mapping[str, str], seed_root: Path = SEED_ROOT) -> Path:
    """The ``drift_check`` package directory to ship with the baseline step."""
    vendored = seed_root / "vendor" / "drift_check"
    candidates = [vendored]
    if environ.get(DRIFT_ENGINE_ENV):
        candidates.append(Path(environ[DRIFT_ENGINE_ENV]))
    for candidate in candidates:
        if (candidate / "baseline.py").is_file() and (candidate / "__init__.py").is_file():
            return candidate.resolve()
    raise DriftEngineNotFound(
        f"the drift engine is not in {vendored} and {DRIFT_ENGINE_ENV} "
        f"({environ.get(DRIFT_ENGINE_ENV, 'not set')}) names no drift_check package directory"
    )


def _files_under(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.suffix in _SHIPPED_SUFFIXES and "__pycache__" not in path.parts
    }


def _deterministic_tar_gz(files: Mapping[str, bytes]) -> bytes:
    """A ``.tar.gz`` of ``files`` that depends on their names and bytes only."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(files[name]))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0) as compressed:
        compressed.write(raw.getvalue())
    return packed.getvalue()


@dataclass(frozen=True)
class CodeBundle:
    """The files of one bundle, keyed by their path below ``code/<id>/``."""

    files: Mapping[str, bytes]

    @classmethod
    def build(cls, *, drift_engine: Path, seed_root: Path = SEED_ROOT) -> CodeBundle:
        """Collect the step scripts, the drift engine and the training archive."""
        steps = _files_under(seed_root / "steps")
        if "train.py" not in steps or "inference.py" not in steps:
            raise FileNotFoundError(f"{seed_root / 'steps'} has no train.py and inference.py")
        files = {f"processing/steps/{name}": body for name, body in steps.items()}
        files.update(
            {
                f"processing/vendor/drift_check/{name}": body
                for name, body in _files_under(drift_engine).items()
            }
        )
        files["training/sourcedir.tar.gz"] = _deterministic_tar_gz(steps)
        return cls(files=files)

    @property
    def bundle_id(self) -> str:
        """The first 16 hex digits of a SHA-256 over every file name and content."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()[:16]

    def uri(self, build_uri: str) -> str:
        """``<build uri>/code/<id>``, without a trailing slash."""
        return f"{build_uri}/code/{self.bundle_id}"

    def upload(self, s3: Any, *, bucket: str, prefix: str, kms_key_arn: str) -> str:
        """Put every file under ``s3://bucket/prefix/code/<id>/`` with SSE-KMS; returns the URI."""
        base = f"{prefix}/code/{self.bundle_id}"
        for name in sorted(self.files):
            s3.put_object(
                Bucket=bucket,
                Key=f"{base}/{name}",
                Body=self.files[name],
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=kms_key_arn,
            )
        return f"s3://{bucket}/{base}"
