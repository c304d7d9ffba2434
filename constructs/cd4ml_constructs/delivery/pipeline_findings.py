"""What the delivery pipeline acknowledges, finding by finding, on the resource that carries it.

CDK Pipelines writes some of its own IAM policies and CodeBuild projects.
Each wildcard it writes is matched here against a pattern with the reason it
is acceptable; a wildcard no pattern explains stays a finding and fails synth.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
import jsii
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole, wildcard_findings
from constructs import Construct, IValidation

Explanation = tuple[str, str]  # (regular expression over the IAM5 finding id, reason)

GRANT_FAMILIES: Explanation = (
    r"Action::(s3:(GetObject|GetBucket|List|DeleteObject|Abort)|kms:(GenerateDataKey|ReEncrypt))\*",
    "Action family written by the aws-cdk-lib S3 and KMS grant methods; the same statement "
    "limits it to the pipeline's artifact bucket or key.",
)
ARTIFACT_OBJECTS: Explanation = (
    r"Resource::<[A-Za-z0-9]+ArtifactsBucket[0-9A-F]{8}\.Arn>/\*",
    "Objects of the pipeline's own artifact bucket: every execution writes artifacts under new "
    "keys, so the keys cannot be listed in advance.",
)
REPLICATION_OBJECTS: Explanation = (
    r"Resource::arn:aws[a-z-]*:s3:::[a-z0-9-]+artifactsbucket[0-9a-f]{8,}/\*",
    "Objects of the pipeline's own replication artifact bucket in another region (named by "
    "aws-cdk-lib for the pipeline to reach it): every execution writes artifacts under new keys.",
)
PROJECT_LOGS: Explanation = (
    r"Resource::arn:.+:log-group:/aws/codebuild/<[A-Za-z0-9]+>:\*",
    "Log streams of this CodeBuild project's own log group; CodeBuild names a stream per build.",
)
PROJECT_REPORTS: Explanation = (
    r"Resource::arn:.+:report-group/<[A-Za-z0-9]+>-\*",
    "Test report groups of this CodeBuild project only (named after the project by CodeBuild).",
)
SHARED_ASSET_LOGS: Explanation = (
    r"Resource::arn:.+:(log-group:/aws/codebuild|report-group)/\*",
    "The asset-publishing role is shared by one CodeBuild project per asset, which CDK "
    "Pipelines creates as assets appear; the wildcard stays inside this account's CodeBuild "
    "logs and report groups.",
)
ASSET_BUILDS: Explanation = (
    r"Resource::\*",
    "codebuild:StartBuild, StopBuild and BatchGetBuilds that CDK Pipelines grants the shared "
    "asset role; the role can only be assumed by CodeBuild and holds no other write access.",
)
SELF_MUTATION_READS: Explanation = (
    r"Resource::\*",
    "cloudformation:DescribeStacks and s3:ListBucket, read-only calls the CDK CLI makes while "
    "the pipeline updates itself; neither supports narrower resources before the deploy runs.",
)
BOOTSTRAP_ROLES: Explanation = (
    r"Resource::arn:\*:iam::([0-9]{12}|<AWS::AccountId>):role/\*",
    "sts:AssumeRole on roles of the tooling account limited by condition to the CDK bootstrap "
    "roles (tag aws-cdk:bootstrap-role deploy, file-publishing or image-publishing).",
)

_INLINE_RULES = (
    "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
    "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy",
    "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy",
)
_INLINE_REASON = (
    "Default policy of a role that CDK Pipelines creates itself (self-mutation, asset "
    "publishing) and exposes no way to replace; the pipeline's own roles use managed policies."
)
_SOURCE_RULES = (
    "HIPAA.Security::HIPAA.Security-CodeBuildProjectSourceRepoUrl",
    "PCI.DSS.321::PCI.DSS.321-CodeBuildProjectSourceRepoUrl",
)
_SOURCE_REASON = (
    "The project's source type is CODEPIPELINE: it receives the pipeline's artifacts and never "
    "clones a repository URL, so no OAuth or credentials apply to it."
)


def acknowledge_generated(
    scope: Construct, pipeline: pipelines.CodePipeline, own_roles: Sequence[iam.IRole]
) -> None:
    """Explain what CDK Pipelines writes into our roles, and acknowledge its own roles.

    :param scope: the construct holding the pipeline and its start rules.
    :param pipeline: the built CDK pipeline.
    :param own_roles: the pipeline's own :class:`ManagedPolicyRole` roles.
    """
    own = (GRANT_FAMILIES, ARTIFACT_OBJECTS, REPLICATION_OBJECTS, PROJECT_LOGS, PROJECT_REPORTS)
    for role in own_roles:
        assert isinstance(role, ManagedPolicyRole)
        for policy in role.policies.values():
            resource = policy.node.default_child
            assert isinstance(resource, iam.CfnManagedPolicy)
            explain_generated_wildcards(resource, own)
    acknowledge_generated_role(
        pipeline.self_mutation_project.role,  # type: ignore[arg-type]
        (*own, SELF_MUTATION_READS, BOOTSTRAP_ROLES),
    )
    assets_scope = pipeline.node.try_find_child("Assets")
    assets = assets_scope.node.try_find_child("FileRole") if assets_scope else None
    if assets is not None:
        assert isinstance(assets, iam.Role)
        acknowledge_generated_role(assets, (*own, SHARED_ASSET_LOGS, ASSET_BUILDS))
    acknowledge_pipeline_projects(pipeline)
    for node in scope.node.find_all():
        if isinstance(node, events.CfnRule):
            acknowledge(
                node,
                "A start that EventBridge cannot deliver loses nothing: the source version "
                "stays in the versioned bucket or the repository, and the next change or a "
                "manual start runs the latest one; a dead-letter queue would hold no state "
                "worth replaying.",
                "Serverless::Serverless-EventBusDLQ",
            )


def explain_generated_wildcards(
    policy: cdk.CfnResource, explanations: Sequence[Explanation]
) -> None:
    """Acknowledge ``AwsSolutions-IAM5`` on ``policy`` for each wildcard a pattern explains."""
    policy.node.add_validation(_AcknowledgeMatchingWildcards(policy, explanations))


def acknowledge_generated_role(role: iam.IRole, explanations: Sequence[Explanation]) -> None:
    """A role CDK Pipelines made: its inline default policy and its explained wildcards."""
    policy = role.node.try_find_child("DefaultPolicy")
    assert isinstance(policy, iam.Policy), f"{role.node.path} has no default policy"
    resource = policy.node.default_child
    assert isinstance(resource, iam.CfnPolicy)
    acknowledge(resource, _INLINE_REASON, *_INLINE_RULES)
    explain_generated_wildcards(resource, explanations)


def acknowledge_pipeline_projects(scope: Construct) -> None:
    """Every CodeBuild project of the pipeline takes its source from CodePipeline."""
    for node in scope.node.find_all():
        if isinstance(node, codebuild.CfnProject):
            acknowledge(node, _SOURCE_REASON, *_SOURCE_RULES)


@jsii.implements(IValidation)
class _AcknowledgeMatchingWildcards:
    """Runs before the packs, once references are resolved, like ManagedPolicyRole's check."""

    def __init__(self, policy: cdk.CfnResource, explanations: Sequence[Explanation]) -> None:
        self._policy = policy
        self._explanations = [(re.compile(pattern), reason) for pattern, reason in explanations]

    def validate(self) -> list[str]:
        stack = cdk.Stack.of(self._policy)
        document = stack.resolve(_document(self._policy))
        for finding in wildcard_findings(document):
            for pattern, reason in self._explanations:
                if pattern.fullmatch(finding):
                    acknowledge(self._policy, reason, f"AwsSolutions::AwsSolutions-IAM5[{finding}]")
                    break
        return []


def _document(policy: cdk.CfnResource) -> object:
    if isinstance(policy, iam.CfnPolicy | iam.CfnManagedPolicy):
        return policy.policy_document
    raise TypeError(f"{policy.node.path} is not an IAM policy")
