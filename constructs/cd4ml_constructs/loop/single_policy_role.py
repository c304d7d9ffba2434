"""An IAM role whose permissions are one customer-managed policy, each wildcard explained."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.studio.managed_policy_role import flatten, wildcard_findings
from constructs import Construct, IValidation

# Action families aws-cdk-lib's grants for encrypted queues and keys write
# (``queue.grant_send_messages``, ``key.grant_encrypt_decrypt``); the same
# statement limits them to one key.
GRANT_ACTION_FAMILIES = ("kms:GenerateDataKey*", "kms:ReEncrypt*")
_GRANT_FAMILY_REASON = (
    "Action family written by the aws-cdk-lib grant of an encrypted queue or key; the "
    "same statement limits it to one key of this platform."
)


class SinglePolicyRole(iam.Role):
    """An ``iam.Role`` whose every grant lands in one customer-managed policy, :attr:`policy`.

    ``grant_*`` calls, ``add_to_policy`` and the statements aws-cdk-lib adds
    itself (tracing, destinations, schedule targets) all reach a role through
    ``add_to_principal_policy``; this role writes them to an
    ``AWS::IAM::ManagedPolicy`` instead of an inline default policy, so the
    packs' "no inline policy" rules hold. Every wildcard must be explained with
    :meth:`explain_action` or :meth:`explain_resource`: at synth, after
    references between stacks are resolved, exactly the explained wildcards
    are acknowledged (``AwsSolutions-IAM5[...]``) with their reasons; any other
    wildcard stays a finding and fails synth. Takes every keyword argument of
    ``iam.Role``.

    :param policy_description: description of the managed policy.
    """

    def __init__(
        self, scope: Construct, id: str, *, policy_description: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.policy = iam.ManagedPolicy(
            self, "Policy", description=policy_description, roles=[self]
        )
        self._actions: list[tuple[str, str]] = [
            (family, _GRANT_FAMILY_REASON) for family in GRANT_ACTION_FAMILIES
        ]
        self._resources: list[tuple[str, str]] = []
        self.node.add_validation(_AcknowledgeExplainedWildcards(self))

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        self.policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self.policy)

    def explain_action(self, action: str, reason: str) -> None:
        """Explain a wildcard action (``service:Prefix*``) the policy holds."""
        self._actions.append((action, reason))

    def explain_resource(self, resource: str, reason: str) -> None:
        """Explain a wildcard resource (``*`` or an ARN pattern, tokens allowed)."""
        self._resources.append((resource, reason))

    def explained_findings(self) -> dict[str, str]:
        """Finding item (``Action::...``/``Resource::...``) -> reason, as cdk-nag names it."""
        stack = cdk.Stack.of(self)
        reasons: dict[str, list[str]] = {}
        items = [(f"Action::{action}", reason) for action, reason in self._actions]
        items += [
            (f"Resource::{flatten(stack.resolve(resource))}", reason)
            for resource, reason in self._resources
        ]
        for key, reason in items:
            if reason not in reasons.setdefault(key, []):
                reasons[key].append(reason)
        return {key: " ".join(texts) for key, texts in reasons.items()}


@jsii.implements(IValidation)
class _AcknowledgeExplainedWildcards:
    """Acknowledge, on the role's policy, the wildcards that were explained."""

    def __init__(self, role: SinglePolicyRole) -> None:
        self._role = role

    def validate(self) -> list[str]:
        resource = self._role.policy.node.default_child
        assert isinstance(resource, iam.CfnManagedPolicy)
        document = cdk.Stack.of(self._role).resolve(resource.policy_document)
        explained = self._role.explained_findings()
        for finding in wildcard_findings(document):
            if finding in explained:
                acknowledge(
                    resource, explained[finding], f"AwsSolutions::AwsSolutions-IAM5[{finding}]"
                )
        return []
