"""S3 buckets with the platform's secure defaults."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.compliance import acknowledge
from constructs import Construct

_REPLICATION_RULES = (
    "HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled",
    "NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled",
    "PCI.DSS.321::PCI.DSS.321-S3BucketReplicationEnabled",
)
_REPLICATION_REASON = (
    "Cross-region replication is a disaster-recovery choice made per environment "
    "(data residency and cost); within the region, versioning, noncurrent-version "
    "retention and RETAIN protect objects against deletion and overwrite."
)


class AccessLogBucket(Construct):
    """The destination of S3 server access logs for the platform's buckets.

    S3 delivers server access logs only to buckets encrypted with SSE-S3, so
    this bucket uses S3-managed keys; everything else matches
    :class:`SecureBucket`: versioning, public access blocked, TLS 1.2+ only,
    objects owned by the bucket owner, RETAIN. Log objects expire after
    ``retention`` (default 365 days).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        retention: cdk.Duration | None = None,
        noncurrent_retention: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=retention or cdk.Duration.days(365),
                    noncurrent_version_expiration=noncurrent_retention or cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        acknowledge(
            cfn_bucket,
            "S3 delivers server access logs only to buckets encrypted with SSE-S3 "
            "(SSE-KMS destinations are not supported); the bucket is private, TLS-only "
            "and versioned.",
            "HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS",
            "NIST.800.53.R5::NIST.800.53.R5-S3DefaultEncryptionKMS",
            "PCI.DSS.321::PCI.DSS.321-S3DefaultEncryptionKMS",
        )
        acknowledge(cfn_bucket, _REPLICATION_REASON, *_REPLICATION_RULES)


class SecureBucket(Construct):
    """A versioned, SSE-KMS encrypted, TLS-only, private, access-logged bucket.

    Secure defaults applied here (callers cannot switch them off): SSE-KMS
    with ``encryption_key`` and S3 bucket keys, versioning, all public access
    blocked, a bucket policy that denies non-TLS and TLS < 1.2 requests,
    bucket-owner-enforced object ownership, server access logging to
    ``access_logs`` under ``<log_prefix>/``, RETAIN (objects are never
    auto-deleted), and EventBridge notifications on (set as a native bucket
    property, without a custom resource).

    :param encryption_key: the customer-managed key for objects in the bucket.
    :param access_logs: the bucket receiving server access logs.
    :param log_prefix: prefix of this bucket's logs in ``access_logs``.
    :param noncurrent_version_retention: how long a replaced or deleted object
        version is kept (default 90 days).
    :param incomplete_upload_retention: when an unfinished multipart upload is
        aborted (default 7 days).
    :param bucket_name: physical name, when the name is a contract; default generated.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        encryption_key: kms.IKey,
        access_logs: s3.IBucket,
        log_prefix: str,
        noncurrent_version_retention: cdk.Duration | None = None,
        incomplete_upload_retention: cdk.Duration | None = None,
        bucket_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=encryption_key,
            bucket_key_enabled=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{log_prefix.strip('/')}/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions",
                    noncurrent_version_expiration=noncurrent_version_retention
                    or cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=incomplete_upload_retention
                    or cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
            auto_delete_objects=False,
        )
        # EventBridge notifications as a native bucket property: the L2 flag
        # would add a custom-resource Lambda (and its IAM role) per stack.
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        acknowledge(
            cfn_bucket,
            _REPLICATION_REASON,
            *_REPLICATION_RULES,
        )
