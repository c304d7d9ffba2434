"""DataLakeStack: zone buckets, model artifacts, access logs and the Glue catalog (stateful)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_glue as glue
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs import AccessLogBucket, SecureBucket
from config import DataLakeConfig
from constructs import Construct


class DataLakeStack(cdk.Stack):
    """The S3 data lake of one environment.

    One :class:`SecureBucket` per zone (``zone_buckets[zone]``), encrypted with
    the data lake key; a model-artifacts bucket encrypted with the artifacts
    key; a server-access-log bucket for all of them; and a Glue Data Catalog
    database per zone (``databases[zone]``). Every bucket sends its events to
    EventBridge, where the retrain trigger listens. Everything is RETAIN.

    :param data_lake: zones and retention settings.
    :param data_lake_key: key for the zone buckets.
    :param artifacts_key: key for the model-artifacts bucket.
    :param catalog_prefix: prefix of the Glue database names (letters, digits, ``_``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        data_lake: DataLakeConfig,
        data_lake_key: kms.IKey,
        artifacts_key: kms.IKey,
        catalog_prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.access_log_bucket = AccessLogBucket(
            self,
            "AccessLogs",
            retention=cdk.Duration.days(data_lake.access_log_retention_days),
        ).bucket
        noncurrent = cdk.Duration.days(data_lake.noncurrent_version_retention_days)
        incomplete = cdk.Duration.days(data_lake.incomplete_upload_days)

        self.zone_buckets: dict[str, s3.IBucket] = {}
        self.databases: dict[str, glue.CfnDatabase] = {}
        for zone in data_lake.zones:
            zone_id = _pascal(zone)
            self.zone_buckets[zone] = SecureBucket(
                self,
                f"{zone_id}Zone",
                encryption_key=data_lake_key,
                access_logs=self.access_log_bucket,
                log_prefix=f"zones/{zone}",
                noncurrent_version_retention=noncurrent,
                incomplete_upload_retention=incomplete,
            ).bucket
            database = glue.CfnDatabase(
                self,
                f"{zone_id}Database",
                catalog_id=self.account,
                database_input=glue.CfnDatabase.DatabaseInputProperty(
                    name=f"{catalog_prefix}_{zone.replace('-', '_')}",
                    description=f"Tables of the {zone} zone of the data lake",
                    location_uri=self.zone_buckets[zone].s3_url_for_object(),
                ),
            )
            database.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            self.databases[zone] = database

        self.artifacts_bucket = SecureBucket(
            self,
            "ModelArtifacts",
            encryption_key=artifacts_key,
            access_logs=self.access_log_bucket,
            log_prefix="model-artifacts",
            noncurrent_version_retention=noncurrent,
            incomplete_upload_retention=incomplete,
        ).bucket


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
