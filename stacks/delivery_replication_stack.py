"""DeliveryReplicationStack: the delivery pipeline's artifact store in another region."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.delivery import DeliveryArtifactStore, DeliveryKeyAlarms
from cd4ml_constructs.key_break_glass import KeyBreakGlassRole
from cd4ml_constructs.required_tags import RequiredTags
from cd4ml_constructs.studio import PlatformPermissionsBoundary
from constructs import Construct


def break_glass_role_name(alias_prefix: str, region: str) -> str:
    """``<pipeline stack>-<region>-key-break-glass``: the platform's naming, per region."""
    return f"{alias_prefix.removeprefix('cd4ml/')}-{region}-key-break-glass"


class DeliveryReplicationStack(cdk.Stack):
    """The pipeline's artifact store in another region, in the tooling account.

    CodePipeline hands a cross-region action its input through a bucket in
    that action's region. This one is the platform's own (versioned, SSE-KMS
    with a customer-managed key that rotates, TLS-only, access-logged,
    RETAIN), not the unlogged one aws-cdk-lib would generate; the bucket has
    a generated physical name and is encrypted through the key's alias
    (``alias/<alias_prefix>/artifacts``), so that the pipeline's template in
    its own region can name both.

    The deploy roles of the environments in this region read their input
    here: the bucket and key policies name them. The pipeline reaches the
    store through the names alone (:meth:`view`), so that aws-cdk-lib writes
    no grant of its own into the key policy: the tooling account uses the key
    only through AWS services, like every platform key.

    :param alias_prefix: alias namespace of the key, that of the pipeline's own key.
    :param boundary_name: name of the permissions boundary of the stack's role
        (IAM names are account-global: it carries the region).
    :param readers: ARNs of the CDK deploy roles that read the pipeline's artifacts here.
    :param tags: the pipeline's required tags.
    :param alarm_emails: addresses subscribed to the region's alarm topic.

    The key's break-glass role (``<pipeline>-<region>-key-break-glass``, one
    per region: IAM names are account-global, and a key policy may name only
    a role that exists) and its alarms
    (:class:`~cd4ml_constructs.delivery.DeliveryKeyAlarms`) are the stack's own.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        alias_prefix: str,
        boundary_name: str,
        readers: Sequence[str],
        tags: dict[str, str],
        alarm_emails: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        # Commercial partition: config admits no other region (config/layers.py).
        self.alias_arn = f"arn:aws:kms:{self.region}:{self.account}:alias/{alias_prefix}/artifacts"
        boundary = PlatformPermissionsBoundary(
            self, "PermissionsBoundary", policy_name=boundary_name, iam_path=f"/{boundary_name}/"
        )
        iam.PermissionsBoundary.of(self).apply(boundary.policy)
        self.break_glass_role = KeyBreakGlassRole(
            self, "KeyBreakGlass", role_name=break_glass_role_name(alias_prefix, self.region)
        ).role
        self.store = DeliveryArtifactStore(
            self,
            "Store",
            alias_prefix=alias_prefix,
            break_glass=self.break_glass_role,
            with_source_bucket=False,
            log_retention_days=None,
            bucket_name=cdk.PhysicalName.GENERATE_IF_NEEDED,
            encrypt_with_alias=True,
        )
        self.bucket = self.store.artifact_bucket
        self.key_alarms = DeliveryKeyAlarms(
            self,
            "KeyAlarms",
            break_glass=self.break_glass_role,
            key_administrator=self.store.key_admin_role,
            alias_prefix=alias_prefix,
            email_addresses=alarm_emails,
        )
        if readers:
            principals = [iam.ArnPrincipal(arn) for arn in readers]
            self.bucket.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="DeployRolesReadArtifacts",
                    principals=principals,
                    actions=["s3:GetBucket*", "s3:GetObject*", "s3:List*"],
                    resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
                )
            )
            self.store.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="DeployRolesDecryptArtifacts",
                    principals=principals,
                    actions=["kms:Decrypt", "kms:DescribeKey"],
                    resources=["*"],
                )
            )
        RequiredTags.apply(self, tags)

    def view(self, scope: Construct) -> s3.IBucket:
        """The store as ``scope`` (the pipeline stack) names it: bucket name and key alias."""
        return s3.Bucket.from_bucket_attributes(
            scope,
            f"Replication-{self.region}",
            bucket_name=self.bucket.bucket_name,
            region=self.region,
            account=self.account,
            encryption_key=kms.Key.from_key_arn(
                scope, f"ReplicationKey-{self.region}", self.alias_arn
            ),
        )
