"""The build's settings, code bundle, buildspec and requirements (no SageMaker SDK needed)."""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from pathlib import Path

import pytest
import yaml

from build_pipeline.code_bundle import CodeBundle, DriftEngineNotFound, find_drift_engine
from build_pipeline.settings import EXAMPLE_ENVIRONMENT, BuildSettings, SettingsError
from tests.pipeline_templates.model_build.conftest import DRIFT_ENGINE, SEED_CODE

ROOT = Path(__file__).parents[3]


def test_example_environment_reads_into_typed_settings() -> None:
    settings = BuildSettings.from_environment(EXAMPLE_ENVIRONMENT)
    assert settings.subnet_ids == ("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb")
    assert settings.security_group_ids == ("sg-0cccccccccccccccc",)
    assert settings.min_threshold == 0.75
    assert settings.build_uri == "s3://cd4ml-sandbox-artifacts-123456789012/projects/churn/build"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"KMS_KEY_ARN": ""}, "missing environment variables: KMS_KEY_ARN"),
        (
            {"METRIC_NAME": "rmse"},
            "METRIC_NAME: 'rmse' is not allowed; the evaluate step writes auc, accuracy, precision, recall, f1",
        ),
        (
            {"METRIC_DIRECTION": "up"},
            "METRIC_DIRECTION: 'up' is not allowed; expected one of higher, lower",
        ),
        ({"MIN_THRESHOLD": "high"}, "MIN_THRESHOLD: 'high' is not allowed; expected a number"),
        ({"MIN_THRESHOLD": "nan"}, "MIN_THRESHOLD: 'nan' is not allowed; expected a number"),
        ({"SUBNET_IDS": "subnet-1,vpc-2"}, "SUBNET_IDS: 'subnet-1,vpc-2' is not allowed"),
        (
            {"ARTIFACTS_PREFIX": "projects/churn/build/"},
            "ARTIFACTS_PREFIX: 'projects/churn/build/' is not allowed",
        ),
        (
            {"PIPELINE_ROLE_ARN": "my-role"},
            "PIPELINE_ROLE_ARN: 'my-role' is not allowed; expected an IAM role ARN",
        ),
    ],
)
def test_a_bad_variable_is_named_with_its_value(changes: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as error:
        BuildSettings.from_environment({**EXAMPLE_ENVIRONMENT, **changes})
    assert str(error.value).startswith(message)


def test_the_cli_refuses_a_missing_environment_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipeline import main

    assert main(["definition"], environ={"CD4ML_DRIFT_ENGINE_DIR": str(DRIFT_ENGINE)}) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(
        "error: missing environment variables: CD4ML_ENVIRONMENT, CD4ML_PROJECT"
    )
    assert "\n" not in error


def test_the_drift_engine_is_found_beside_the_seed_code_first(tmp_path: Path) -> None:
    vendored = tmp_path / "vendor" / "drift_check"
    vendored.mkdir(parents=True)
    for name in ("__init__.py", "baseline.py"):
        (vendored / name).write_text("")
    assert find_drift_engine({"CD4ML_DRIFT_ENGINE_DIR": str(DRIFT_ENGINE)}, tmp_path) == vendored
    assert (
        find_drift_engine({"CD4ML_DRIFT_ENGINE_DIR": str(DRIFT_ENGINE)}, SEED_CODE) == DRIFT_ENGINE
    )
    with pytest.raises(DriftEngineNotFound, match="CD4ML_DRIFT_ENGINE_DIR"):
        find_drift_engine({}, SEED_CODE)
    with pytest.raises(DriftEngineNotFound):
        find_drift_engine({"CD4ML_DRIFT_ENGINE_DIR": str(tmp_path)}, SEED_CODE)


def test_the_bundle_is_content_addressed_and_holds_steps_and_engine() -> None:
    bundle = CodeBundle.build(drift_engine=DRIFT_ENGINE)
    assert CodeBundle.build(drift_engine=DRIFT_ENGINE).bundle_id == bundle.bundle_id
    assert re.fullmatch(r"[0-9a-f]{16}", bundle.bundle_id)
    names = set(bundle.files)
    assert {"processing/steps/preprocess.py", "processing/steps/baseline.py",
            "processing/vendor/drift_check/baseline.py", "processing/vendor/drift_check/__init__.py",
            "training/sourcedir.tar.gz"} <= names  # fmt: skip
    assert not any("__pycache__" in name for name in names)
    with tarfile.open(
        fileobj=io.BytesIO(gzip.decompress(bundle.files["training/sourcedir.tar.gz"]))
    ) as archive:
        members = sorted(archive.getnames())
        assert all(member.mtime == 0 for member in archive.getmembers())
    assert members == sorted(path.name for path in (SEED_CODE / "steps").glob("*.py"))
    changed = CodeBundle({**bundle.files, "processing/steps/train.py": b"# changed\n"})
    assert changed.bundle_id != bundle.bundle_id


def test_the_bundle_uploads_with_the_platform_key() -> None:
    import boto3
    from moto import mock_aws

    bundle = CodeBundle.build(drift_engine=DRIFT_ENGINE)
    key = EXAMPLE_ENVIRONMENT["KMS_KEY_ARN"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="artifacts")
        uri = bundle.upload(s3, bucket="artifacts", prefix="projects/churn/build", kms_key_arn=key)
        assert uri == f"s3://artifacts/projects/churn/build/code/{bundle.bundle_id}"
        stored = s3.head_object(
            Bucket="artifacts",
            Key=f"projects/churn/build/code/{bundle.bundle_id}/training/sourcedir.tar.gz",
        )
        listed = s3.list_objects_v2(Bucket="artifacts")["KeyCount"]
    assert stored["ServerSideEncryption"] == "aws:kms" and stored["SSEKMSKeyId"] == key
    assert listed == len(bundle.files)


def test_buildspec_installs_the_pinned_requirements_and_upserts() -> None:
    spec = yaml.safe_load((SEED_CODE / "buildspec.yml").read_text())
    assert spec["phases"]["install"]["commands"] == [
        "python -m pip install --no-cache-dir --require-hashes -r requirements.txt"
    ]
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11"}
    assert "python pipeline.py upsert" in spec["phases"]["build"]["commands"]
    assert spec["env"]["variables"]["SAGEMAKER_VALIDATE_ROLE"] == "false"


def test_requirements_pin_what_the_lock_resolves() -> None:
    requirements = (SEED_CODE / "requirements.txt").read_text()
    pins = dict(re.findall(r"^([a-z0-9._-]+)==([^\s;]+)", requirements, flags=re.MULTILINE))
    lock = dict(
        re.findall(
            r'^name = "([^"]+)"\nversion = "([^"]+)"',
            (ROOT / "uv.lock").read_text(),
            flags=re.MULTILINE,
        )
    )
    assert pins["sagemaker"] == "3.27.0"
    assert {name: version for name, version in pins.items() if lock.get(name) != version} == {}
    assert requirements.count("--hash=sha256:") >= len(pins)
