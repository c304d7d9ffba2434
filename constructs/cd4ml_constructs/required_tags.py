"""Required tags on every taggable resource, including those CDK tagging cannot reach."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
import jsii

from constructs import IConstruct

# Resource types that CloudFormation can tag but that aws-cdk-lib sometimes
# emits as plain CfnResource (custom-resource providers), out of reach of Tags.of().
_TAGGABLE_RAW_TYPES = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})


@jsii.implements(cdk.IAspect)
class RequiredTags:
    """Apply ``tags`` with ``Tags.of(scope)`` and to raw resources CDK leaves untagged."""

    def __init__(self, tags: Mapping[str, str]) -> None:
        self._tags = dict(sorted(tags.items()))

    @classmethod
    def apply(cls, scope: IConstruct, tags: Mapping[str, str]) -> None:
        """Tag every taggable resource under ``scope``."""
        for key, value in tags.items():
            cdk.Tags.of(scope).add(key, value)
        cdk.Aspects.of(scope).add(cls(tags))

    def visit(self, node: IConstruct) -> None:
        if (
            isinstance(node, cdk.CfnResource)
            and node.cfn_resource_type in _TAGGABLE_RAW_TYPES
            and not cdk.TagManager.is_taggable(node)
        ):
            node.add_property_override(
                "Tags", [{"Key": key, "Value": value} for key, value in self._tags.items()]
            )
