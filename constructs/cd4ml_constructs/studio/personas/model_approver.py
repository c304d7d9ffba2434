"""The model approver: the only persona that approves model packages and production deploys."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.actions import (
    APPROVAL_ACTIONS,
    DEPLOY_REVIEW_ACTIONS,
    PRODUCTION_APPROVAL_ACTIONS,
)
from cd4ml_constructs.studio.personas.model_registry import allow_registry_reading
from cd4ml_constructs.studio.personas.resources import PersonaResources

DESCRIPTION = (
    "Model approver: reviews and approves the platform's model packages and production "
    "deploys; no lake data"
)


def grant_model_approver(role: ManagedPolicyRole, *, resources: PersonaResources) -> None:
    """Read artifacts; approve or reject the platform's model packages and production deploys.

    Production deploys: the manual approval step of the projects' deploy
    pipelines (``cd4ml-<env>-*-deploy``), and the pipeline state and runs to
    review before deciding; nothing else of the pipelines.
    """
    role.grant_objects(
        resources.artifacts_bucket,
        "*",
        write=False,
        reason="The approver reads evaluation reports and model artifacts before deciding.",
    )
    role.allow(
        "ModelApproval",
        actions=[*APPROVAL_ACTIONS, "sagemaker:DescribeModelPackage"],
        resources=[resources.model_packages_arn],
        reason="Only model packages of the platform's groups (cd4ml-<env>-*) can be approved.",
    )
    role.allow(
        "ProductionApproval",
        actions=list(PRODUCTION_APPROVAL_ACTIONS),
        resources=[resources.production_approvals_arn],
        reason="Only the ApproveProduction step of the platform's deploy pipelines "
        "(cd4ml-<env>-<project>-deploy, one per project, named at project creation).",
    )
    role.allow(
        "ProductionApproval",
        actions=list(DEPLOY_REVIEW_ACTIONS),
        resources=[resources.deploy_pipelines_arn],
        reason="Read-only state and runs of the platform's deploy pipelines "
        "(cd4ml-<env>-<project>-deploy), reviewed before approving production.",
    )
    allow_registry_reading(role, resources)


def people_with_mfa_may_assume() -> iam.PolicyStatement:
    """People of this account signed in with MFA may assume the role (console, CLI)."""
    return iam.PolicyStatement(
        actions=["sts:AssumeRole"],
        principals=[iam.AccountRootPrincipal()],
        conditions={"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    )
