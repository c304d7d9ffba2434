"""The launch role of the project template: what creating one project's stack needs, no more."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.launch_role_actions import (
    DECLARED_PROJECT_SERVICES,
    PASSED_TO,
    POLICY_ACTIONS,
    POLICY_PARAMETER_ACTIONS,
    ROLE_ACTIONS,
    ROLE_BOUNDED_ACTIONS,
    SERVICE_ACTIONS,
    STACK_ACTIONS,
)
from cd4ml_constructs.projects.template_product import template_role_path
from constructs import Construct


def project_launch_role(
    scope: Construct,
    id: str,
    *,
    names: LoopNames,
    permissions_boundary: iam.IManagedPolicy,
    catalog_bucket: s3.IBucket,
    catalog_key: kms.IKey,
    product_template: tuple[str, str],
    keys: Sequence[kms.IKey],
    scheduled_functions: Sequence[lambda_.IFunction],
    declared_projects: Sequence[str] = (),
) -> ManagedPolicyRole:
    """The role CloudFormation (S3 templates) and Service Catalog (launch constraint) assume.

    It creates exactly the template's resource types, named by the platform's
    naming contract where the name is a contract; roles and policies only
    under the template's IAM path and only with the permissions boundary;
    passes only those roles, only to the services that run them. It reads the
    published template and its assets, the platform's SSM contract, and
    writes project policies under ``/cd4ml/<env>/projects/``. For Service
    Catalog it manages the product's stacks (``SC-<account>-pp-*``).

    :param product_template: bucket and key of the product stack's template asset.
    :param keys: the platform keys the template's schedules, topics and queues use.
    :param scheduled_functions: the loop functions the template's schedules invoke; in an
        environment with a fixed account the template adds itself to their resource policy.
    :param declared_projects: the projects config declares (their own stacks): an explicit
        Deny keeps the launch role off their named resources, which it never launches.
    """
    stack = cdk.Stack.of(scope)
    account = {"StringEquals": {"aws:SourceAccount": stack.account}}
    role = ManagedPolicyRole(
        scope,
        id,
        description=f"Launch role of the CD4ML {names.environment} project template",
        grants_policy="Launch",
        assumed_by=iam.CompositePrincipal(
            iam.ServicePrincipal("cloudformation.amazonaws.com").with_conditions(account),
            iam.ServicePrincipal("servicecatalog.amazonaws.com").with_conditions(account),
        ),
    )
    path = template_role_path(names).strip("/")
    roles = stack.format_arn(service="iam", region="", resource="role", resource_name=f"{path}/*")
    policies = stack.format_arn(
        service="iam", region="", resource="policy", resource_name=f"{path}/*"
    )
    path_reason = "Roles and policies of a project's stack, named by CloudFormation under the "
    role.allow(
        "Launch",
        actions=ROLE_BOUNDED_ACTIONS,
        resources=[roles],
        conditions={
            "StringEquals": {"iam:PermissionsBoundary": permissions_boundary.managed_policy_arn}
        },
        reason=path_reason + "template's IAM path, only with the permissions boundary.",
    )
    role.allow(
        "Launch",
        actions=ROLE_ACTIONS,
        resources=[roles],
        reason=path_reason + "template's IAM path.",
    )
    role.allow("Launch", actions=POLICY_ACTIONS, resources=[policies], reason=path_reason + "path.")
    role.allow(
        "Launch",
        actions=["iam:PassRole"],
        resources=[roles],
        conditions={"StringEquals": {"iam:PassedToService": list(PASSED_TO)}},
        reason=path_reason + "template's path, passed only to the services that run them.",
    )
    for service, actions, pattern, reason in SERVICE_ACTIONS:
        resource = pattern.format(prefix=names.prefix)
        role.allow(
            "Launch",
            actions=actions,
            resources=[_arn(stack, service, resource)],
            reason=reason,
        )
    parameter = f"cd4ml/{names.environment}"
    role.allow(
        "Launch",
        actions=POLICY_PARAMETER_ACTIONS,
        resources=[_arn(stack, "ssm", f"parameter/{parameter}/projects/*")],
        reason="The policy parameter /cd4ml/<env>/projects/<project> of the project being created.",
    )
    role.allow(
        "Launch",
        actions=["ssm:GetParameters"],
        resources=[_arn(stack, "ssm", f"parameter/{parameter}/platform/*")],
        reason="The platform's SSM contract, which the template reads as parameter types.",
    )
    role.allow(
        "Launch",
        actions=["s3:GetObject"],
        resources=[catalog_bucket.arn_for_objects("*")],
        reason="The published template and its assets (function code, seed code) in the "
        "catalog bucket, named by content hash.",
    )
    bucket, key = product_template
    role.allow(
        "Launch",
        actions=["s3:GetObject"],
        resources=[cdk.Fn.join("", ["arn:", cdk.Aws.PARTITION, ":s3:::", bucket, "/", key])],
    )
    role.allow("Launch", actions=["kms:Decrypt"], resources=[catalog_key.key_arn])
    role.allow(
        "Launch",
        actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
        resources=sorted({platform_key.key_arn for platform_key in keys}),
    )
    role.allow(
        "Launch",
        actions=["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
        resources=sorted({function.function_arn for function in scheduled_functions}),
    )
    role.allow(
        "Launch",
        actions=STACK_ACTIONS,
        resources=[_arn(stack, "cloudformation", f"stack/SC-{stack.account}-pp-*")],
        reason="Service Catalog names a provisioned product's stack SC-<account>-pp-<id>.",
    )
    role.allow(
        "Launch",
        actions=["cloudformation:GetTemplateSummary", "cloudformation:ValidateTemplate"],
        resources=["*"],
        reason="GetTemplateSummary and ValidateTemplate have no resource-level permissions.",
    )
    if declared_projects:
        role.policy("Launch").add_statements(
            declared_project_denial(stack, names, declared_projects)
        )
    return role


def declared_project_denial(
    stack: cdk.Stack, names: LoopNames, projects: Sequence[str]
) -> iam.PolicyStatement:
    """A Deny of every action the launch role has on the named resources of ``projects``.

    The launch role's patterns (``cd4ml-<env>-*``, ``/cd4ml/<env>/projects/*``)
    also match the projects declared in config, whose stacks the platform
    deploys; their pipelines, model package group, topic and policy parameter
    are named by the naming contract, so the Deny names each one exactly (a
    template project ``churn-v2`` stays launchable beside a declared ``churn``).
    """
    resources: list[str] = []
    actions: set[str] = set(POLICY_PARAMETER_ACTIONS)
    for service, service_actions, _pattern, _reason in SERVICE_ACTIONS:
        if service in DECLARED_PROJECT_SERVICES:
            actions.update(service_actions)
    for project in sorted(set(projects)):
        resources += [
            _arn(stack, "codepipeline", names.deploy_pipeline(project)),
            _arn(stack, "codepipeline", f"{names.build_pipeline(project)}-code"),
            _arn(stack, "sagemaker", f"model-package-group/{names.model_package_group(project)}"),
            _arn(stack, "sns", names.notification_topic(project)),
            _arn(stack, "ssm", f"parameter{names.policy_parameter(project)}"),
        ]
    return iam.PolicyStatement(
        sid="DeclaredProjects",
        effect=iam.Effect.DENY,
        actions=sorted(actions),
        resources=resources,
    )


def _arn(stack: cdk.Stack, service: str, resource: str) -> str:
    return f"arn:{stack.partition}:{service}:{stack.region}:{stack.account}:{resource}"
