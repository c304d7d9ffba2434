"""The deploy pipeline's share of the platform's artifacts bucket: one key prefix."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct

# CodePipeline stores a run's artifacts under the first 20 characters of the
# pipeline's name.
PIPELINE_PREFIX_LENGTH = 20


def pipeline_artifacts_prefix(pipeline_name: str) -> str:
    """The key prefix of a pipeline's run artifacts in its artifact bucket."""
    return pipeline_name[:PIPELINE_PREFIX_LENGTH]


class PipelineArtifactsRole(ManagedPolicyRole):
    """A :class:`ManagedPolicyRole` whose grants on the artifacts bucket's objects stop at a prefix.

    aws-cdk-lib's CodePipeline and CodeBuild actions grant their roles every
    object of the artifact bucket (``<bucket>/*``). The platform's artifacts
    bucket also holds every project's models and data capture, so each such
    grant is narrowed to ``<bucket>/<prefix>/*``, where CodePipeline keeps this
    pipeline's run artifacts.

    :param artifact_bucket: the pipeline's artifact bucket.
    :param artifacts_prefix: the pipeline's key prefix (:func:`pipeline_artifacts_prefix`).
    :param assumed_by: who may assume the role.
    :param description: what the role is for.
    :param passes_roles_to: the one service this role may pass roles to (``iam:PassRole``
        statements aws-cdk-lib writes get that ``iam:PassedToService`` condition); default None.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        artifact_bucket: s3.IBucket,
        artifacts_prefix: str,
        assumed_by: iam.IPrincipal,
        description: str,
        passes_roles_to: str | None = None,
    ) -> None:
        super().__init__(scope, id, assumed_by=assumed_by, description=description)
        self._passes_roles_to = passes_roles_to
        self._all_objects = artifact_bucket.arn_for_objects("*")
        self._own_objects = artifact_bucket.arn_for_objects(f"{artifacts_prefix}/*")
        self.explain_resource(
            self._own_objects,
            "CodePipeline keeps this pipeline's run artifacts under the pipeline's own prefix "
            "of the artifacts bucket, with keys it chooses for each run.",
        )

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        """Grants of the whole artifacts bucket become grants of the pipeline's prefix."""
        service = getattr(self, "_passes_roles_to", None)
        if service is not None and statement.actions == ["iam:PassRole"]:
            # aws-cdk-lib adds the passed role's ARN to this statement later: amend it in place.
            statement.add_condition("StringEquals", {"iam:PassedToService": service})
        all_objects = getattr(self, "_all_objects", None)
        if all_objects is not None and all_objects in statement.resources:
            statement = statement.copy(
                resources=[
                    self._own_objects if resource == all_objects else resource
                    for resource in statement.resources
                ]
            )
        return super().add_to_principal_policy(statement)
