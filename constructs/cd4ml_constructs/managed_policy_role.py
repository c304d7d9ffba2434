"""An IAM role whose permissions live in customer-managed policies, each wildcard explained."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.wildcard_acknowledgements import (
    AcknowledgeExplainedWildcards,
    flatten,
    wildcard_findings,
)
from constructs import Construct

__all__ = ["GRANTS_POLICY", "ManagedPolicyRole", "flatten", "wildcard_findings"]

# Default construct id of the policy that grants of buckets, queues and keys
# (``grant_read``, ``grant_encrypt_decrypt``...) and ``add_to_policy`` land in.
GRANTS_POLICY = "DataAccess"

# Action families the grant methods of aws-cdk-lib write (S3, and KMS for
# encrypted buckets, queues and keys). Each is limited by the statement's
# resources to one bucket, prefix or key.
GRANT_ACTION_FAMILIES: tuple[str, ...] = (
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:Abort*",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)
_GRANT_FAMILY_REASON = (
    "Action family written by the aws-cdk-lib S3 and KMS grant methods; the same statement "
    "limits it to one bucket, object prefix or key of this platform."
)
# An explanation an auditor can act on is a sentence, not a label.
MIN_REASON_LENGTH = 40


class ManagedPolicyRole(iam.Role):
    """An IAM role whose own permissions are customer-managed policies, never inline ones.

    The HIPAA, NIST and PCI packs refuse inline policies, and the default
    policy of ``iam.Role`` is one. Here everything that reaches the role
    through ``add_to_principal_policy`` lands in its grants policy (construct
    id ``grants_policy``): grants of buckets, queues and keys
    (``bucket.grant_read(role)``, ``key.grant_decrypt(role)``),
    ``add_to_policy``, and the statements aws-cdk-lib adds itself (tracing,
    destinations, schedule targets). :meth:`allow` adds statements to the
    grants policy or to a policy named for their purpose. The policies attach
    themselves to the role (``Roles`` on the policy), so a policy may
    reference resources that themselves reference the role.

    Every wildcard must be explained where it is introduced: :meth:`allow`
    takes the reason for wildcard resources, :meth:`grant_objects` for the
    object prefix, :meth:`explain_resource` for a wildcard aws-cdk-lib writes.
    At synth, after references between stacks are resolved, exactly the
    explained wildcards are acknowledged (``AwsSolutions-IAM5``) on their
    policy with their reason; any other wildcard stays a finding and fails
    synth.

    :param assumed_by: who may assume the role.
    :param description: what the role is for.
    :param grants_policy: construct id of the policy grants land in; default
        ``DataAccess``.
    :param grants_policy_description: description of that policy; default
        ``<role id>: <grants policy id in words>``.
    :param max_session_duration: longest session; default IAM's one hour,
        left out of the template.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        assumed_by: iam.IPrincipal,
        description: str,
        grants_policy: str = GRANTS_POLICY,
        grants_policy_description: str | None = None,
        max_session_duration: cdk.Duration | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=assumed_by,
            description=description,
            max_session_duration=max_session_duration,
        )
        self.grants_policy = grants_policy
        self._construct_id = id
        self._grants_policy_description = grants_policy_description
        self._purposes: dict[str, iam.ManagedPolicy] = {}
        # (purpose, "Action" or "Resource", wildcard action or resource, reason)
        self._explained: list[tuple[str, str, str, str]] = [
            (grants_policy, "Action", family, _GRANT_FAMILY_REASON)
            for family in GRANT_ACTION_FAMILIES
        ]
        AcknowledgeExplainedWildcards.of(cdk.Stack.of(self)).roles.append(self)

    @property
    def policies(self) -> Mapping[str, iam.ManagedPolicy]:
        """The role's customer-managed policies by purpose."""
        return dict(self._purposes)

    def policy(self, purpose: str | None = None) -> iam.ManagedPolicy:
        """The policy for ``purpose`` (a construct id, default the grants policy), made once."""
        purpose = purpose or self.grants_policy
        if purpose not in self._purposes:
            description = self._grants_policy_description if purpose == self.grants_policy else None
            self._purposes[purpose] = iam.ManagedPolicy(
                self,
                purpose,
                description=description or f"{self._construct_id}: {_words(purpose)}",
                roles=[self],
            )
        return self._purposes[purpose]

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        """Grants, ``add_to_policy`` and aws-cdk-lib's own statements: into the grants policy."""
        policy = self.policy()
        policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policy)

    def allow(
        self,
        purpose: str | None = None,
        *,
        actions: Sequence[str],
        resources: Sequence[str],
        reason: str | None = None,
        conditions: Mapping[str, Any] | None = None,
        sid: str | None = None,
    ) -> None:
        """Allow ``actions`` on ``resources`` in the policy for ``purpose`` (default: grants).

        ``reason`` (a sentence of at least 40 characters) is required when a
        resource contains ``*`` (including ``*`` itself, for actions without
        resource-level permissions). Actions are named, never wildcards.
        """
        purpose = purpose or self.grants_policy

        # Only an error names the place: each read of the path crosses into the jsii runtime.
        def where() -> str:
            return f"{self.node.path}/{purpose}{f' ({sid})' if sid else ''}"

        wildcards = [resource for resource in resources if "*" in resource]
        if wildcards:
            _check_reason(lambda: f"{where()}: {wildcards}", reason)
        for action in actions:
            if "*" in action:
                raise ValueError(f"{where()}: name actions, not {action!r}")
        self.policy(purpose).add_statements(
            iam.PolicyStatement(
                sid=sid,
                actions=list(actions),
                resources=list(resources),
                conditions=dict(conditions) if conditions else None,
            )
        )
        for resource in wildcards:
            self._explained.append((purpose, "Resource", resource, reason or ""))

    def grant_objects(
        self, bucket: s3.IBucket, key_pattern: str, *, write: bool, reason: str
    ) -> iam.Grant:
        """Read (or read and write) the objects of ``bucket`` under ``key_pattern``.

        Uses the bucket's own grant method (which also grants its key) and
        explains the object wildcard with ``reason`` (at least 40 characters).
        """
        _check_reason(lambda: f"{self.node.path}: objects {key_pattern}", reason)
        grant = (
            bucket.grant_read_write(self, key_pattern)
            if write
            else bucket.grant_read(self, key_pattern)
        )
        self.explain_resource(bucket.arn_for_objects(key_pattern), reason)
        return grant

    def explain_resource(self, resource: str, reason: str) -> None:
        """Explain a wildcard resource of the grants policy that aws-cdk-lib writes itself.

        ``resource`` is ``*`` or an ARN pattern (tokens allowed), as the
        statement holds it: X-Ray's ``*`` for an active-tracing function, or
        ``<function arn>:*`` of ``grant_invoke``. ``reason``: at least 40 characters.
        """
        _check_reason(lambda: f"{self.node.path}: {resource}", reason)
        self._explained.append((self.grants_policy, "Resource", resource, reason))

    def explained_wildcards(self) -> list[tuple[str, str, str, str]]:
        """``(purpose, "Action" or "Resource", wildcard, reason)`` for every explanation so far."""
        return list(self._explained)


def _check_reason(where: Callable[[], str], reason: str | None) -> None:
    if not reason or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"{where()}: explain the wildcard in a sentence of {MIN_REASON_LENGTH}+ characters"
        )


def _words(purpose: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in purpose).strip()
