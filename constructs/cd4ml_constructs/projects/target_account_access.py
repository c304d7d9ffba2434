"""What the platform's artifacts bucket and key let the roles of a target account do.

A project whose staging or production endpoint runs in another account
(``deploy.staging_account``, ``deploy.prod_account``) deploys it with the roles
of the target-account contract (``pipeline_templates/model_deploy/
target_account_roles.yaml``). Their own policies allow what they do; the
artifacts bucket and key are in the platform's account, so their resource
policies must allow it too, for exactly those roles:

===========================  ===============================================================
``-deploy``, ``-cfn``        read the deploy pipeline's run artifacts (``<pipeline prefix>/``)
``-endpoint``                read the project's build outputs (the model), write the
                             endpoint's data capture (``data-capture/<endpoint>/``)
``-cfn``                     create grants on the key for the endpoint's volumes
===========================  ===============================================================

The statements name the target account as principal and the roles in an
``aws:PrincipalArn`` condition: a policy naming a role that does not exist yet
is refused, and these roles are created after the platform, from the project
stack's outputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.projects.deploy_pipeline_artifacts import pipeline_artifacts_prefix
from cd4ml_constructs.projects.deploy_pipeline_checks import build_prefix
from cd4ml_constructs.projects.deploy_pipeline_roles import DATA_CAPTURE_PREFIX
from cd4ml_constructs.projects.deploy_pipeline_targets import Stage


@dataclass(frozen=True)
class TargetAccount:
    """One endpoint stage of one project that runs in another account."""

    project: str
    stage: Stage
    account: str

    def endpoint_name(self, names: LoopNames) -> str:
        """``cd4ml-<env>-<project>-<stage>``, as :class:`EndpointTarget` names it."""
        return f"{names.prefix}-{self.project}-{self.stage}"

    def role_arn(self, names: LoopNames, suffix: str) -> str:
        """A role of the target-account contract: ``<endpoint name>-<suffix>``."""
        role = f"{self.endpoint_name(names)}-{suffix}"
        return f"arn:{cdk.Aws.PARTITION}:iam::{self.account}:role/{role}"


def target_accounts(
    deploys: Iterable[tuple[str, str | None, str | None]], *, own_account: str | None
) -> list[TargetAccount]:
    """The stages of ``(project, staging account, prod account)`` that run in another account."""
    found = []
    for project, staging, prod in deploys:
        for stage, account in (("staging", staging), ("prod", prod)):
            if account is not None and account != own_account:
                found.append(TargetAccount(project, stage, account))  # type: ignore[arg-type]
    return found


def allow_target_accounts(
    bucket: s3.IBucket, key: kms.IKey, *, names: LoopNames, targets: Sequence[TargetAccount]
) -> None:
    """Add the statements for ``targets`` to ``bucket``'s and ``key``'s resource policies."""
    for target in targets:
        _allow_target(bucket, key, names=names, target=target)


def _allow_target(
    bucket: s3.IBucket, key: kms.IKey, *, names: LoopNames, target: TargetAccount
) -> None:
    sid = "".join(part.capitalize() for part in f"{target.project}-{target.stage}".split("-"))
    deployers = [target.role_arn(names, "deploy"), target.role_arn(names, "cfn")]
    endpoint = target.role_arn(names, "endpoint")
    prefix = pipeline_artifacts_prefix(names.deploy_pipeline(target.project))

    def statement(
        name: str, roles: list[str], actions: list[str], resources: list[str], **extra: object
    ) -> iam.PolicyStatement:
        conditions: dict[str, object] = {"ArnEquals": {"aws:PrincipalArn": roles}}
        conditions |= extra
        return iam.PolicyStatement(
            sid=f"{name}{sid}",
            principals=[iam.AccountPrincipal(target.account)],
            actions=actions,
            resources=resources,
            conditions=conditions,
        )

    bucket.add_to_resource_policy(
        statement(
            "ReadPipelineArtifacts",
            deployers,
            ["s3:GetObject", "s3:GetObjectVersion"],
            [bucket.arn_for_objects(f"{prefix}/*")],
        )
    )
    bucket.add_to_resource_policy(
        statement(
            "ReadModel",
            [endpoint],
            ["s3:GetObject"],
            [bucket.arn_for_objects(f"{build_prefix(target.project)}/*")],
        )
    )
    bucket.add_to_resource_policy(
        statement(
            "WriteCapture",
            [endpoint],
            ["s3:PutObject"],
            [bucket.arn_for_objects(f"{DATA_CAPTURE_PREFIX}/{target.endpoint_name(names)}/*")],
        )
    )
    s3_service = {"StringEquals": {"kms:ViaService": f"s3.{cdk.Aws.REGION}.amazonaws.com"}}
    key.add_to_resource_policy(
        statement("DecryptArtifacts", [*deployers, endpoint], ["kms:Decrypt"], ["*"], **s3_service)
    )
    key.add_to_resource_policy(
        statement("EncryptCapture", [endpoint], ["kms:GenerateDataKey"], ["*"], **s3_service)
    )
    cloudformation = [target.role_arn(names, "cfn")]
    key.add_to_resource_policy(
        statement(
            "GrantEndpointVolumes",
            cloudformation,
            ["kms:CreateGrant"],
            ["*"],
            Bool={"kms:GrantIsForAWSResource": "true"},
        )
    )
    key.add_to_resource_policy(statement("DescribeKey", cloudformation, ["kms:DescribeKey"], ["*"]))
