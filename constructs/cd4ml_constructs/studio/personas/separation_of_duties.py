"""Explicit denies that keep approval apart from building, whatever else a persona is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from cd4ml_constructs.studio.personas.actions import (
    APPROVAL_ACTIONS,
    APPROVAL_PARAMETER_ACTIONS,
    APPROVAL_POLICY_ACTIONS,
    PRODUCTION_APPROVAL_ACTIONS,
)
from constructs import Construct


def deny_model_approval(scope: Construct, *, roles: Sequence[iam.IRole]) -> iam.ManagedPolicy:
    """``DenyModelApproval``: no approval of a model or of a production deploy.

    Nor registration of a package as Approved.
    """
    return iam.ManagedPolicy(
        scope,
        "DenyModelApproval",
        description="Separation of duties: only the model approver persona approves models",
        roles=list(roles),
        statements=[
            iam.PolicyStatement(
                sid="NoModelApproval",
                effect=iam.Effect.DENY,
                actions=list(APPROVAL_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NoProductionApproval",
                effect=iam.Effect.DENY,
                actions=list(PRODUCTION_APPROVAL_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NoRegistrationAsApproved",
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateModelPackage"],
                resources=["*"],
                conditions={"StringEquals": {"sagemaker:ModelApprovalStatus": "Approved"}},
            ),
        ],
    )


def deny_approval_policy_changes(
    scope: Construct, *, roles: Sequence[iam.IRole], approval_parameters_arn: str
) -> iam.ManagedPolicy:
    """``DenyApprovalPolicyChanges``: registry policies and project policies stay as deployed."""
    return iam.ManagedPolicy(
        scope,
        "DenyApprovalPolicyChanges",
        description="Approval policies change only through deployments, never by a persona",
        roles=list(roles),
        statements=[
            iam.PolicyStatement(
                sid="NoRegistryPolicyChanges",
                effect=iam.Effect.DENY,
                actions=list(APPROVAL_POLICY_ACTIONS),
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NoProjectPolicyChanges",
                effect=iam.Effect.DENY,
                actions=list(APPROVAL_PARAMETER_ACTIONS),
                resources=[approval_parameters_arn],
            ),
        ],
    )
