"""The hops of the seed-code scenarios: checked as they happen, and the data they start from."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from tools.local_loop import aws_events
from tools.local_loop.seed_build import SeedCodeBuilds
from tools.local_loop.seed_pipeline import import_seed_code
from tools.local_loop.world import ACCOUNT, REGION, LocalLoop


class Hops:
    """The hops of one scenario: each checked, traced, and missed ones kept."""

    def __init__(self, loop: LocalLoop) -> None:
        self.loop = loop
        self.missed: list[str] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.loop.trace(f"  hop: {name}: {detail} {'ok' if ok else 'MISSED'}")
        if not ok:
            self.missed.append(f"hop {name}: {detail}")
        return ok

    def expected(self, base: dict[str, Any]) -> dict[str, Any]:
        """``base`` with every missed hop as a decision the check will not find."""
        return {**base, "contains": [*base.get("contains", []), *self.missed]}


def land_raw_data(loop: LocalLoop, key: str, records: list[dict[str, Any]]) -> str:
    """Put ``records`` as a training CSV into the raw bucket and emit its ``Object Created``."""
    import_seed_code()
    import churn_dataset

    lines = [",".join(churn_dataset.COLUMNS)]
    lines += [",".join(churn_dataset._field(r[c]) for c in churn_dataset.COLUMNS) for r in records]
    body = ("\n".join(lines) + "\n").encode()
    bucket = loop.functions_environment("RAW_BUCKET_NAME")
    loop._clients["s3"].put_object(Bucket=bucket, Key=key, Body=body)
    loop.trace(f"  data: {len(records)} labelled customers land at s3://{bucket}/{key}")
    loop.emit(
        aws_events.object_created(
            loop._event_id(), bucket=bucket, key=key, size=len(body), account=ACCOUNT, region=REGION
        )
    )
    return hashlib.sha256(body).hexdigest()


def customers(rows: int, *, seed: int, shuffled_share: float = 0.0) -> list[dict[str, Any]]:
    """Generated customers; ``shuffled_share`` of them get their labels shuffled among them."""
    import_seed_code()
    import churn_dataset

    records = churn_dataset.generate(rows, seed=seed)
    if shuffled_share:
        random = np.random.default_rng(seed + 1000)
        chosen = np.flatnonzero(random.random(rows) < shuffled_share)
        labels = [int(str(records[i]["churned"])) for i in chosen]
        for i, label in zip(chosen, random.permutation(labels), strict=True):
            records[i] = {**records[i], "churned": int(label)}
    return records


def no_cooldown(loop: LocalLoop, project: str) -> None:
    """Set the project's retrain cooldown to 0."""
    loop.set_policy(project, retrain={**loop.policies[project]["retrain"], "cooldown_minutes": 0})
    loop.trace("  policy: retrain cooldown 0, so one story can hold several builds")


def check_registered(hops: Hops, builds: SeedCodeBuilds, index: int, source: str) -> str | None:
    """Hops of a build that registered: real metric in the registry, metadata, baseline."""
    outcome = builds.runs[index]
    if not hops.check(
        f"build {index + 1} registered",
        bool(outcome.model_package_arn),
        f"{outcome.status}, package {outcome.model_package_arn}",
    ):
        return None
    arn = str(outcome.model_package_arn)
    package = builds.registered[arn]
    uri = package["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    stored = json.loads(builds.clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
    auc = stored["binary_classification_metrics"]["auc"]["value"]
    hops.check(
        "metric in the registry",
        auc == builds.metric_of(outcome) and auc > 0.75,
        f"auc={auc:.4f} computed on the test split, report {uri}",
    )
    metadata = package.get("CustomerMetadataProperties", {})
    record = builds.record_of(outcome)
    hops.check(
        "data version and trigger recorded",
        metadata.get("data-manifest-sha256") == record["data_manifest_sha256"]
        and metadata.get("trigger-source") == source,
        f"data {metadata.get('data-manifest-sha256', '')[:12]}, "
        f"trigger {metadata.get('trigger-source')}",
    )
    baseline = package.get("DriftCheckBaselines", {}).get("ModelDataQuality", {})
    hops.check(
        "drift baseline registered",
        "S3Uri" in baseline.get("Statistics", {}),
        str(baseline.get("Statistics", {}).get("S3Uri")),
    )
    return arn
