"""The delivery pipeline's own role, whose KMS use in other regions is limited to its keys."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct


class PipelineRole(ManagedPolicyRole):
    """The role of the pipeline and of every action it runs in the tooling account.

    aws-cdk-lib cannot name a KMS key of another region in a policy, so the
    grant on a replication bucket's key reaches this role as KMS actions on
    ``*``. Each such statement is rewritten here with a condition that limits
    it to keys carrying an alias under ``key_alias_prefix`` (the pipeline's
    own keys, one per region), and only then explained.

    :param key_alias_prefix: alias namespace of the pipeline's keys, for example
        ``alias/cd4ml/cd4ml-delivery/``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        key_alias_prefix: str,
        assumed_by: iam.IPrincipal,
        description: str,
    ) -> None:
        super().__init__(scope, id, assumed_by=assumed_by, description=description)
        self._key_alias_prefix = key_alias_prefix
        self.other_region_key_statements = 0

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        """Grants into the grants policy; KMS on ``*`` only for the pipeline's own keys."""
        if (
            statement.effect == iam.Effect.ALLOW
            and list(statement.resources) == ["*"]
            and statement.actions
            and all(action.startswith("kms:") for action in statement.actions)
            and not statement.conditions
        ):
            statement = iam.PolicyStatement(
                actions=list(statement.actions),
                resources=["*"],
                conditions={
                    "ForAnyValue:StringLike": {"kms:ResourceAliases": f"{self._key_alias_prefix}*"}
                },
            )
            if not self.other_region_key_statements:
                self.explain_resource(
                    "*",
                    "KMS use on the pipeline's replication keys in the environments' other "
                    "regions, whose ARNs a template in this region cannot name; a condition "
                    f"limits it to keys aliased {self._key_alias_prefix}*, the pipeline's own.",
                )
            self.other_region_key_statements += 1
        return super().add_to_principal_policy(statement)
