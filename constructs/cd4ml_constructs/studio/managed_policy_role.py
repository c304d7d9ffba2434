"""An IAM role whose permissions live in customer-managed policies, each wildcard explained."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.compliance import acknowledge
from constructs import Construct, IValidation

# Where grants of buckets and keys (``grant_read``, ``grant_encrypt_decrypt``...)
# land: the construct id of the role's data access policy.
GRANTS_POLICY = "DataAccess"

# Action families the S3 and KMS grant methods of aws-cdk-lib write. Each is
# limited by the statement's resources to one bucket, prefix or key.
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
    policy of ``iam.Role`` is one. Here every grant of a bucket or key
    (``bucket.grant_read(role)``, ``key.grant_decrypt(role)``), and
    ``add_to_policy``, lands in the ``DataAccess`` customer-managed policy;
    :meth:`allow` adds statements to a policy named for their purpose. The
    policies attach themselves to the role (``Roles`` on the policy), so a
    policy may reference resources that themselves reference the role.

    Every wildcard must be explained where it is introduced: :meth:`allow`
    takes the reason for wildcard resources, :meth:`grant_objects` for the
    object prefix. At synth, exactly the explained wildcards are acknowledged
    (``AwsSolutions-IAM5``) on the policy with their reason; any other
    wildcard stays a finding and fails synth.

    :param assumed_by: who may assume the role.
    :param description: what the role is for.
    :param max_session_duration: longest session (default one hour).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        assumed_by: iam.IPrincipal,
        description: str,
        max_session_duration: cdk.Duration | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            assumed_by=assumed_by,
            description=description,
            max_session_duration=max_session_duration or cdk.Duration.hours(1),
        )
        self._purposes: dict[str, iam.ManagedPolicy] = {}
        # (purpose, wildcard action or resource, reason)
        self._explained: list[tuple[str, str, str]] = [
            (GRANTS_POLICY, family, _GRANT_FAMILY_REASON) for family in GRANT_ACTION_FAMILIES
        ]
        self.node.add_validation(_AcknowledgeExplainedWildcards(self))

    @property
    def policies(self) -> Mapping[str, iam.ManagedPolicy]:
        """The role's customer-managed policies by purpose."""
        return dict(self._purposes)

    def policy(self, purpose: str) -> iam.ManagedPolicy:
        """The customer-managed policy for ``purpose`` (a construct id), created on first use."""
        if purpose not in self._purposes:
            self._purposes[purpose] = iam.ManagedPolicy(
                self,
                purpose,
                description=f"{self.node.id}: {_words(purpose)}",
                roles=[self],
            )
        return self._purposes[purpose]

    def add_to_principal_policy(
        self, statement: iam.PolicyStatement
    ) -> iam.AddToPrincipalPolicyResult:
        """Grants of buckets and keys, and ``add_to_policy``: into the ``DataAccess`` policy."""
        policy = self.policy(GRANTS_POLICY)
        policy.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policy)

    def allow(
        self,
        purpose: str,
        *,
        actions: Sequence[str],
        resources: Sequence[str],
        reason: str | None = None,
        conditions: Mapping[str, Any] | None = None,
    ) -> None:
        """Allow ``actions`` on ``resources`` in the policy for ``purpose``.

        ``reason`` (a sentence of at least 40 characters) is required when a
        resource contains ``*`` (including ``*`` itself, for actions without
        resource-level permissions).
        """
        wildcards = [resource for resource in resources if "*" in resource]
        if wildcards:
            _check_reason(f"{self.node.path}/{purpose}: {wildcards}", reason)
        for action in actions:
            if "*" in action:
                raise ValueError(f"{self.node.path}/{purpose}: name actions, not {action!r}")
        self.policy(purpose).add_statements(
            iam.PolicyStatement(
                actions=list(actions),
                resources=list(resources),
                conditions=dict(conditions) if conditions else None,
            )
        )
        for resource in wildcards:
            self._explained.append((purpose, resource, reason or ""))

    def grant_objects(
        self, bucket: s3.IBucket, key_pattern: str, *, write: bool, reason: str
    ) -> iam.Grant:
        """Read (or read and write) the objects of ``bucket`` under ``key_pattern``.

        Uses the bucket's own grant method (which also grants its key) and
        explains the object wildcard with ``reason`` (at least 40 characters).
        """
        _check_reason(f"{self.node.path}: objects {key_pattern}", reason)
        grant = (
            bucket.grant_read_write(self, key_pattern)
            if write
            else bucket.grant_read(self, key_pattern)
        )
        self._explained.append((GRANTS_POLICY, bucket.arn_for_objects(key_pattern), reason))
        return grant

    def explained_wildcards(self) -> list[tuple[str, str, str]]:
        """``(purpose, action or resource, reason)`` for every wildcard explained so far."""
        return list(self._explained)


@jsii.implements(IValidation)
class _AcknowledgeExplainedWildcards:
    """Acknowledge, on each policy of the role, the wildcards that were explained.

    Runs after references between stacks are resolved and before the packs,
    so each id is the one cdk-nag reports (``Resource::<flattened ARN>``).
    """

    def __init__(self, role: ManagedPolicyRole) -> None:
        self._role = role

    def validate(self) -> list[str]:
        stack = cdk.Stack.of(self._role)
        reasons: dict[tuple[str, str], list[str]] = {}
        for purpose, item, reason in self._role.explained_wildcards():
            if item in GRANT_ACTION_FAMILIES:
                key = f"Action::{item}"
            else:
                key = f"Resource::{flatten(stack.resolve(item))}"
            if reason not in reasons.setdefault((purpose, key), []):
                reasons[(purpose, key)].append(reason)
        for purpose, policy in self._role.policies.items():
            resource = policy.node.default_child
            assert isinstance(resource, iam.CfnManagedPolicy)
            document = stack.resolve(resource.policy_document)
            for finding in wildcard_findings(document):
                explanation = reasons.get((purpose, finding))
                if explanation:
                    acknowledge(
                        resource,
                        " ".join(explanation),
                        f"AwsSolutions::AwsSolutions-IAM5[{finding}]",
                    )
        return []


def wildcard_findings(document: Mapping[str, Any]) -> list[str]:
    """The ``Action::``/``Resource::`` items cdk-nag's IAM5 reports for an Allow statement."""
    found: list[str] = []
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        for action in _as_list(statement.get("Action")):
            if "*" in action and f"Action::{action}" not in found:
                found.append(f"Action::{action}")
        for resource in _as_list(statement.get("Resource")):
            flat = flatten(resource)
            if "*" in flat and f"Resource::{flat}" not in found:
                found.append(f"Resource::{flat}")
    return found


def flatten(reference: Any) -> str:
    """A CloudFormation value as one string, the way cdk-nag names it in a finding id."""
    if reference is None:
        return ""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            delimiter, items = reference["Fn::Join"]
            return str(delimiter).join(flatten(item) for item in items)
        if "Fn::Sub" in reference:
            return flatten(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if "Fn::ImportValue" in reference:
            return flatten(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{flatten(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))


def _check_reason(where: str, reason: str | None) -> None:
    if not reason or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"{where}: explain the wildcard in a sentence of {MIN_REASON_LENGTH}+ characters"
        )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _words(purpose: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in purpose).strip()
