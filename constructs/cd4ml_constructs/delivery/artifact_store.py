"""Where the delivery pipeline keeps its artifacts, its source zip and its build logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from cd4ml_constructs.log_retention import retention_days
from cd4ml_constructs.platform_key import PlatformKey
from cd4ml_constructs.secure_bucket import AccessLogBucket, SecureBucket
from constructs import Construct


class DeliveryArtifactStore(Construct):
    """The pipeline's key, artifact bucket, optional source bucket and build log group.

    One customer-managed key (rotation on, RETAIN) encrypts the artifacts, the
    source zip and the CodeBuild logs; the pipeline's grants admit the target
    accounts' CDK deployment roles to it when environments live in other
    accounts (the cross-account artifact key). The buckets are
    :class:`~cd4ml_constructs.SecureBucket`: versioned, SSE-KMS, TLS-only,
    private, access-logged to their own access-log bucket, RETAIN. The same
    construct, without source bucket and build logs, is the pipeline's
    replication store in each other region an environment lives in.

    :param alias_prefix: alias namespace of the key, ``cd4ml/<pipeline stack>``.
    :param break_glass: may use the key directly in an emergency (the key
        policy's ``BreakGlassUse``); its use is alarmed by
        :class:`~cd4ml_constructs.delivery.key_alarms.DeliveryKeyAlarms`.
    :param with_source_bucket: create the bucket an S3 zip source is uploaded to.
    :param log_retention_days: retention of the build log group (a CloudWatch
        Logs retention value); ``None``: no build log group (a replication store).
    :param bucket_name: physical name of the artifact bucket; default generated.
        A replication store in another region than the pipeline passes
        ``cdk.PhysicalName.GENERATE_IF_NEEDED``, so that the pipeline can name it.
    :param encrypt_with_alias: encrypt the artifact bucket through the key's
        alias (a name another region's pipeline can reference) rather than the key.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias_prefix: str,
        break_glass: iam.IRole,
        with_source_bucket: bool,
        log_retention_days: int | None,
        bucket_name: str | None = None,
        encrypt_with_alias: bool = False,
    ) -> None:
        super().__init__(scope, id)
        self.key_admin_role = iam.Role(
            self,
            "KeyAdministratorRole",
            description="Administers the delivery pipeline's KMS key; cannot use it on data",
            assumed_by=iam.AccountRootPrincipal().with_conditions(
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            ),
            max_session_duration=cdk.Duration.hours(1),
        )
        self.key = PlatformKey(
            self,
            "Key",
            purpose="artifacts",
            alias_prefix=alias_prefix,
            administrator=self.key_admin_role,
            break_glass=break_glass,
            allow_cloudwatch_logs=log_retention_days is not None,
        ).key
        self.alias = next(c for c in self.key.node.children if isinstance(c, kms.Alias))
        self.access_logs = AccessLogBucket(self, "AccessLogs").bucket
        self.artifact_bucket = SecureBucket(
            self,
            "Artifacts",
            encryption_key=self.alias if encrypt_with_alias else self.key,
            bucket_name=bucket_name,
            access_logs=self.access_logs,
            log_prefix="artifacts",
        ).bucket
        self.source_bucket = (
            SecureBucket(
                self,
                "Source",
                encryption_key=self.key,
                access_logs=self.access_logs,
                log_prefix="source",
            ).bucket
            if with_source_bucket
            else None
        )
        self.build_logs = (
            logs.LogGroup(
                self,
                "BuildLogs",
                encryption_key=self.key,
                retention=retention_days(log_retention_days),
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            if log_retention_days is not None
            else None
        )
