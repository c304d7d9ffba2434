"""The delivery pipeline's own role, whose KMS use in other regions is limited to its keys."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct


class PipelineRole(ManagedPolicyRole):
    """The role of the pipeline and of every action it runs in the tooling account.

    The pipeline names the key of a replication store in another region by
    its alias ARN (the key's own ARN is not known in this region's template),
    and a grant on that key reaches this role with the alias ARN as resource,
    which KMS does not match for a key's use. Each such statement is written
    here as the keys of that account and region (``key/*``), limited by a
    condition to keys carrying an alias under ``key_alias_prefix``, and
    explained.

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
        self.replication_keys: list[str] = []

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        """Grants into the grants policy; a grant on a key alias becomes its keys, conditioned."""
        resources = list(statement.resources)
        marker = f":{self._key_alias_prefix}"
        if (
            statement.effect == iam.Effect.ALLOW
            and resources
            and all(r.startswith("arn:aws:kms:") and marker in r for r in resources)
            and not statement.conditions
        ):
            keys = [r.split(":alias/")[0] + ":key/*" for r in resources]
            statement = iam.PolicyStatement(
                actions=list(statement.actions),
                resources=keys,
                conditions={
                    "ForAnyValue:StringLike": {"kms:ResourceAliases": f"{self._key_alias_prefix}*"}
                },
            )
            for key in keys:
                if key not in self.replication_keys:
                    self.replication_keys.append(key)
                    self.explain_resource(
                        key,
                        "The pipeline's replication key in another region, whose ARN a template "
                        "in this region cannot name; a condition limits the statement to keys "
                        f"aliased {self._key_alias_prefix}*, the pipeline's own.",
                    )
        return super().add_to_principal_policy(statement)
