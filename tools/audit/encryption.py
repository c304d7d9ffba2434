"""Encryption inventory: every data store, the key that protects it, and that key's rotation.

Each customer managed key also lists who may use it directly by its key
policy (:mod:`tools.audit.key_users`): not through a service.

Stores are listed unencrypted first, then by how much control the
environment has over the key: a key the service owns, an AWS managed key,
a customer managed key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tools.audit.key_users import direct_users
from tools.audit.references import EnvironmentView, Resource

UNENCRYPTED = "unencrypted"
SERVICE_OWNED = "service-owned key"
AWS_MANAGED = "AWS managed key"
CUSTOMER_MANAGED = "customer managed key"
RANK = {UNENCRYPTED: 0, SERVICE_OWNED: 1, AWS_MANAGED: 2, CUSTOMER_MANAGED: 3}

# (part of the store, key reference or None, status when no key, note)
Protection = tuple[str, Any, str, str]


def encryption_inventory(view: EnvironmentView) -> dict[str, Any]:
    """The encryption part of the bundle (JSON-ready)."""
    stores = []
    for resource in view.resources(*READERS):
        for part, key_value, fallback, note in READERS[resource.type](resource.properties):
            key = _key(view, resource, key_value)
            status = key["kind"] if key else fallback
            note = note if not key or not note.startswith("key aws/") else ""
            stores.append(
                {
                    "status": status,
                    "resource": resource.label,
                    "type": resource.type,
                    "stack": resource.stack.stack_name,
                    "part": part,
                    "key": key["key"] if key else "",
                    "alias": key["alias"] if key else "",
                    "rotation": key["rotation"] if key else _implicit_rotation(status),
                    "note": note,
                }
            )
    stores.sort(key=lambda s: (RANK[s["status"]], s["stack"], s["resource"], s["part"]))
    keys = [_key_entry(view, key, stores) for key in view.resources("AWS::KMS::Key")]
    counts = {status: sum(1 for s in stores if s["status"] == status) for status in RANK}
    return {"summary": counts, "stores": stores, "keys": keys}


def _key(view: EnvironmentView, owner: Resource, value: Any) -> dict[str, str] | None:
    if value is None or value == "":
        return None
    target = view.target(owner.stack, value)
    if target is not None and target.type == "AWS::KMS::Alias":
        target = view.target(target.stack, target.properties.get("TargetKeyId"))
    if target is not None and target.type == "AWS::KMS::Key":
        return {
            "kind": CUSTOMER_MANAGED,
            "key": target.label,
            "alias": ", ".join(_aliases(view, target)),
            "rotation": _rotation(target.properties),
        }
    rendered = view.render(owner.stack, value)
    if "alias/aws/" in rendered:
        return {
            "kind": AWS_MANAGED,
            "key": rendered,
            "alias": rendered,
            "rotation": "yearly, by AWS",
        }
    return {
        "kind": CUSTOMER_MANAGED,
        "key": rendered,
        "alias": "",
        "rotation": "not visible in the templates (key defined elsewhere)",
    }


def _key_entry(
    view: EnvironmentView, key: Resource, stores: list[dict[str, Any]]
) -> dict[str, Any]:
    properties = key.properties
    return {
        "key": key.label,
        "stack": key.stack.stack_name,
        "description": view.render(key.stack, properties.get("Description", "")),
        "aliases": _aliases(view, key),
        "rotation": _rotation(properties),
        "deletion_window_days": properties.get("PendingWindowInDays", 30),
        "key_spec": properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        "protects": sorted(
            {f"{s['resource']} ({s['part']})" for s in stores if s["key"] == key.label}
        ),
        "direct_use": direct_users(view, key),
    }


def _aliases(view: EnvironmentView, key: Resource) -> list[str]:
    return sorted(
        view.render(alias.stack, alias.properties.get("AliasName", ""))
        for alias in view.resources("AWS::KMS::Alias")
        if (target := view.target(alias.stack, alias.properties.get("TargetKeyId"))) is not None
        and target.label == key.label
    )


def _rotation(properties: Mapping[str, Any]) -> str:
    if not properties.get("EnableKeyRotation"):
        return "off"
    return f"every {properties.get('RotationPeriodInDays', 365)} days"


def _implicit_rotation(status: str) -> str:
    return "by AWS" if status in (SERVICE_OWNED, AWS_MANAGED) else "none"


def _bucket(p: Mapping[str, Any]) -> Iterator[Protection]:
    rules = (p.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration", [])
    if not rules:
        yield (
            "objects",
            None,
            UNENCRYPTED,
            "no encryption declared; S3 applies SSE-S3 to new objects by default",
        )
        return
    default = rules[0].get("ServerSideEncryptionByDefault") or {}
    algorithm = default.get("SSEAlgorithm", "")
    if algorithm == "AES256":
        yield "objects", None, SERVICE_OWNED, "SSE-S3"
    else:
        key = default.get("KMSMasterKeyID")
        bucket_key = " with bucket key" if rules[0].get("BucketKeyEnabled") else ""
        fallback_note = f"{algorithm}{bucket_key}" + ("" if key else ", key aws/s3")
        yield "objects", key, AWS_MANAGED, fallback_note


def _log_group(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "log events", p.get("KmsKeyId"), SERVICE_OWNED, ""


def _table(p: Mapping[str, Any]) -> Iterator[Protection]:
    sse = p.get("SSESpecification") or {}
    enabled = sse.get("SSEEnabled") is True
    yield "items", sse.get("KMSMasterKeyId"), AWS_MANAGED if enabled else SERVICE_OWNED, ""


def _topic(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "messages", p.get("KmsMasterKeyId"), UNENCRYPTED, ""


def _queue(p: Mapping[str, Any]) -> Iterator[Protection]:
    managed = p.get("SqsManagedSseEnabled", True) is not False
    note = "SSE-SQS" if managed and not p.get("KmsMasterKeyId") else ""
    yield "messages", p.get("KmsMasterKeyId"), SERVICE_OWNED if managed else UNENCRYPTED, note


def _domain(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "home EFS and space volumes", p.get("KmsKeyId"), AWS_MANAGED, ""


def _file_system(p: Mapping[str, Any]) -> Iterator[Protection]:
    encrypted = p.get("Encrypted") is True
    yield "files", p.get("KmsKeyId"), AWS_MANAGED if encrypted else UNENCRYPTED, ""


def _endpoint_config(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "instance storage", p.get("KmsKeyId"), AWS_MANAGED, ""
    capture = p.get("DataCaptureConfig")
    if capture:
        yield "data capture", capture.get("KmsKeyId"), AWS_MANAGED, ""


def _vault(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "recovery points", p.get("EncryptionKeyArn"), AWS_MANAGED, "key aws/backup"


def _repository(p: Mapping[str, Any]) -> Iterator[Protection]:
    config = p.get("EncryptionConfiguration") or {}
    yield "images", config.get("KmsKey"), SERVICE_OWNED, config.get("EncryptionType", "AES256")


def _stream(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "records", (p.get("StreamEncryption") or {}).get("KeyId"), UNENCRYPTED, ""


def _pipeline(p: Mapping[str, Any]) -> Iterator[Protection]:
    stores = [p["ArtifactStore"]] if p.get("ArtifactStore") else []
    stores += [s.get("ArtifactStore", {}) for s in p.get("ArtifactStores", [])]
    for store in stores:
        key = (store.get("EncryptionKey") or {}).get("Id")
        yield "artifacts", key, AWS_MANAGED, "key aws/s3"


def _build_project(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "build artifacts", p.get("EncryptionKey"), AWS_MANAGED, "key aws/s3"


def _mlflow(p: Mapping[str, Any]) -> Iterator[Protection]:
    yield "tracking metadata", None, SERVICE_OWNED, "artifacts live in the artifact store bucket"


READERS: dict[str, Callable[[Mapping[str, Any]], Iterator[Protection]]] = {
    "AWS::Backup::BackupVault": _vault,
    "AWS::CodeBuild::Project": _build_project,
    "AWS::CodePipeline::Pipeline": _pipeline,
    "AWS::DynamoDB::Table": _table,
    "AWS::ECR::Repository": _repository,
    "AWS::EFS::FileSystem": _file_system,
    "AWS::Kinesis::Stream": _stream,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::SageMaker::Domain": _domain,
    "AWS::SageMaker::EndpointConfig": _endpoint_config,
    "AWS::SageMaker::MlflowTrackingServer": _mlflow,
}
