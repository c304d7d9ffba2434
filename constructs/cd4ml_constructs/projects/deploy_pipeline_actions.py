"""The actions of the model-deploy pipeline: endpoint stacks and checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_iam as iam

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole, flatten
from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget

ENDPOINT_TEMPLATE = "endpoint.yaml"
_STACK_ACTIONS = (
    "CodePipeline's CloudFormation action (aws-cdk-lib) reads the endpoint stack's state with "
    "these describe and get families, on the two endpoint stacks of this project only. A "
    "stack's ARN ends in an id CloudFormation assigns when it creates the stack."
)


def endpoint_stack_action(
    target: EndpointTarget,
    source: codepipeline.Artifact,
    parameters: Mapping[str, Any],
    *,
    namespace: str,
) -> actions.CloudFormationCreateUpdateStackAction:
    """Create or update ``target``'s endpoint stack from ``endpoint.yaml`` in ``source``.

    The stack's outputs are published in ``namespace``. In another account the
    action runs as the target's ``-deploy`` role, and CloudFormation as its ``-cfn`` role.
    """
    return actions.CloudFormationCreateUpdateStackAction(
        action_name=f"Deploy{namespace}",
        run_order=2,
        stack_name=target.stack_name,
        template_path=source.at_path(ENDPOINT_TEMPLATE),
        admin_permissions=False,
        deployment_role=target.deploy_role,
        role=target.action_role,
        parameter_overrides=dict(parameters),
        # Staging may be replaced when its first create failed; production never.
        replace_on_failure=target.stage == "staging",
        variables_namespace=namespace,
    )


def check_action(
    name: str,
    project: codebuild.IProject,
    source: codepipeline.Artifact,
    variables: Mapping[str, str],
    *,
    run_order: int | None = None,
) -> actions.CodeBuildAction:
    """Run the check ``project`` on the deploy code, with ``variables`` as its environment."""
    return actions.CodeBuildAction(
        action_name=name,
        project=project,
        input=source,
        run_order=run_order,
        environment_variables={
            key: codebuild.BuildEnvironmentVariable(value=value) for key, value in variables.items()
        },
    )


def acknowledge_stack_actions(role: ManagedPolicyRole, targets: Sequence[EndpointTarget]) -> None:
    """Acknowledge the wildcards aws-cdk-lib's CloudFormation action writes into ``role``.

    Only targets in the pipeline's own account put statements into the
    pipeline role; for the others the action runs as the target's own role.
    """
    local = [target for target in targets if not target.cross_account]
    if not local:
        return
    policy = role.policy().node.default_child
    assert isinstance(policy, iam.CfnManagedPolicy)
    stack = cdk.Stack.of(role)
    rules = [
        "AwsSolutions::AwsSolutions-IAM5[Action::cloudformation:DescribeStack*]",
        "AwsSolutions::AwsSolutions-IAM5[Action::cloudformation:GetTemplate*]",
    ]
    for target in local:
        arn = stack.format_arn(
            service="cloudformation",
            resource="stack",
            resource_name=f"{target.stack_name}/*",
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        )
        rules.append(f"AwsSolutions::AwsSolutions-IAM5[Resource::{flatten(stack.resolve(arn))}]")
    acknowledge(policy, _STACK_ACTIONS, *rules)
