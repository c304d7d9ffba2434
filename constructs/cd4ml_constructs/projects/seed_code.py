"""The model-build seed code as the platform ships it to a new project.

The archive is the seed code of ``pipeline_templates/model_build/seed_code``
with the platform's drift engine (``lambdas/drift_check``) under
``vendor/drift_check``, so that a project's baseline step runs the very engine
its drift check compares against. It is put together at synth time by plain
file copies (no Docker), in a fixed order, so the same sources give the same
asset hash.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import custom_resources as cr

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
SEED_CODE_DIR = REPOSITORY_ROOT / "pipeline_templates" / "model_build" / "seed_code"
DRIFT_ENGINE_DIR = REPOSITORY_ROOT / "lambdas" / "drift_check"
# The construct id aws-cdk-lib gives the singleton function of AwsCustomResource.
AWS_CUSTOM_RESOURCE_FUNCTION = "AWS679f53fac002430cb0da5b7982bd2287"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".DS_Store")


@jsii.implements(cdk.ILocalBundling)
class _SeedCodeBundler:
    """Copies the seed code, then the drift engine into ``vendor/drift_check``."""

    def try_bundle(self, output_dir: str, _options: Any = None) -> bool:
        target = Path(output_dir)
        shutil.copytree(SEED_CODE_DIR, target, dirs_exist_ok=True, ignore=IGNORED)
        shutil.copytree(
            DRIFT_ENGINE_DIR, target / "vendor" / "drift_check", dirs_exist_ok=True, ignore=IGNORED
        )
        return True


def seed_code_asset(scope: Construct, id: str) -> s3_assets.Asset:
    """The seed code archive as an S3 asset (a zip once published)."""
    return s3_assets.Asset(
        scope,
        id,
        path=str(SEED_CODE_DIR),
        exclude=["__pycache__", "*.pyc"],
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry("local-bundling-only"),
            # jsii hands the bundling options over as one positional struct.
            local=_SeedCodeBundler(),  # type: ignore[arg-type]
            output_type=cdk.BundlingOutput.NOT_ARCHIVED,
        ),
    )


class S3ObjectCopy(Construct):
    """Copies one S3 object to ``bucket``/``key`` with an SDK call of aws-cdk-lib's function.

    The call is made by aws-cdk-lib's custom-resource function (one per
    stack), with a role of ours that may read the one source object and
    write the one key. By default the copy happens once, when the resource
    is created; with ``copy_on_update`` every change of the source copies
    again. ``tags`` replace the copy's object tags (S3 ``Tagging`` with
    ``TaggingDirective=REPLACE``), which a bucket deployment cannot set.
    Deleting the resource leaves the object in place.

    :param source_bucket: the bucket of the source object.
    :param source_key: the source object's key.
    :param bucket: the destination bucket (encrypted with its key, SSE-KMS).
    :param key: the destination object key.
    :param logs_key: key of the function's log group.
    :param log_retention: retention of that log group.
    :param purpose: what is copied, in words (role description); prefixes the resource id.
    :param grants_policy: construct id of the role's policy.
    :param tags: object tags of the copy; default none (the source's are kept).
    :param copy_on_update: copy again when the source changes; default False.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source_bucket: s3.IBucket,
        source_key: str,
        bucket: s3.IBucket,
        key: str,
        logs_key: kms.IKey,
        log_retention: logs.RetentionDays,
        purpose: str,
        grants_policy: str,
        physical_id_prefix: str,
        tags: Mapping[str, str] | None = None,
        copy_on_update: bool = False,
    ) -> None:
        super().__init__(scope, id)
        parameters: dict[str, Any] = {
            "Bucket": bucket.bucket_name,
            "Key": key,
            "CopySource": f"{source_bucket.bucket_name}/{source_key}",
            "ServerSideEncryption": "aws:kms",
        }
        if bucket.encryption_key is not None:
            parameters["SSEKMSKeyId"] = bucket.encryption_key.key_arn
        if tags:
            parameters["Tagging"] = urlencode(sorted(tags.items()))
            parameters["TaggingDirective"] = "REPLACE"
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=logs_key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.role = ManagedPolicyRole(
            self,
            "Role",
            description=purpose,
            grants_policy=grants_policy,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        self.log_group.grant_write(self.role)
        self.role.explain_resource(
            f"{self.log_group.log_group_arn}:*",
            "Log streams of the copy function's own log group, named by Lambda per instance.",
        )
        self.role.allow(
            grants_policy,
            actions=["s3:GetObject"],
            resources=[source_bucket.arn_for_objects(source_key)],
        )
        write = ["s3:PutObject", "s3:PutObjectTagging"] if tags else ["s3:PutObject"]
        self.role.allow(grants_policy, actions=write, resources=[bucket.arn_for_objects(key)])
        if bucket.encryption_key is not None:
            self.role.allow(
                grants_policy,
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[bucket.encryption_key.key_arn],
            )
        call = cr.AwsSdkCall(
            service="S3",
            action="copyObject",
            parameters=parameters,
            physical_resource_id=cr.PhysicalResourceId.of(f"{physical_id_prefix}:{key}"),
        )
        self.resource = cr.AwsCustomResource(
            self,
            "Copy",
            on_create=call,
            on_update=call if copy_on_update else None,
            role=self.role,
            install_latest_aws_sdk=False,
            log_group=self.log_group,
            memory_size=256,
            timeout=cdk.Duration.minutes(2),
        )


class SeedCodeCopy(S3ObjectCopy):
    """Copies the seed code archive to ``bucket``/``key`` once, when the project is created.

    Later deploys never copy again, so a team's own code at ``key`` is never
    overwritten by a platform update; deleting the project leaves the code in
    place (the bucket is versioned and retained). See :class:`S3ObjectCopy`.

    :param seed_code: the seed code asset.
    :param bucket: the bucket of the team's code (encrypted with its key).
    :param key: the object key of the team's code zip.
    :param logs_key: key of the function's log group.
    :param log_retention: retention of that log group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        seed_code: s3_assets.Asset,
        bucket: s3.IBucket,
        key: str,
        logs_key: kms.IKey,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(
            scope,
            id,
            source_bucket=seed_code.bucket,
            source_key=seed_code.s3_object_key,
            bucket=bucket,
            key=key,
            logs_key=logs_key,
            log_retention=log_retention,
            purpose="Copies the seed code to a new project's code location, once",
            grants_policy="SeedCopy",
            physical_id_prefix="seed-code",
        )


def acknowledge_copy_function(stack: cdk.Stack) -> None:
    """Acknowledge, on aws-cdk-lib's custom-resource function of ``stack``, what it cannot do."""
    function = stack.node.try_find_child(AWS_CUSTOM_RESOURCE_FUNCTION)
    if function is None:
        return
    resource = function.node.default_child
    assert isinstance(resource, cdk.CfnResource)
    # aws-cdk-lib makes the function depend on its role and also references
    # the role; cfn-lint notes the redundancy on this resource.
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
    acknowledge(
        resource,
        "aws-cdk-lib's AwsCustomResource function runs once when CloudFormation creates the "
        "project: CloudFormation invokes it and reports its failure on the stack, so no "
        "event can be lost (no dead-letter queue), concurrency is one by construction, and it "
        "calls nothing but S3 in this account (no VPC: the project stack has no subnets of "
        "its own and the call carries only the seed code).",
        "HIPAA.Security::HIPAA.Security-LambdaDLQ",
        "HIPAA.Security::HIPAA.Security-LambdaInsideVPC",
        "HIPAA.Security::HIPAA.Security-LambdaConcurrency",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
        "PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC",
        "Serverless::Serverless-LambdaDLQ",
        "Serverless::Serverless-LambdaTracing",
    )
