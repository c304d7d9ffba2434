"""Required tags on every taggable resource, including those CDK tagging cannot reach."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk

from constructs import IConstruct

# Resource types that CloudFormation can tag but that aws-cdk-lib sometimes
# emits as plain CfnResource (custom-resource providers), out of reach of Tags.of().
_TAGGABLE_RAW_TYPES = frozenset({"AWS::IAM::Role", "AWS::Lambda::Function"})


class RequiredTags:
    """Apply required tags to every taggable resource under a scope."""

    @staticmethod
    def apply(scope: IConstruct, tags: Mapping[str, str]) -> None:
        """Tag every taggable resource under ``scope``.

        ``Tags.of`` reaches every resource CDK can tag; resources that
        aws-cdk-lib emits as plain ``CfnResource`` (custom-resource providers)
        get the tags as a property. Call it once every construct under
        ``scope`` exists: the walk is done here, not as an aspect, because an
        aspect written in Python costs a jsii round trip per construct at synth.
        """
        for key, value in tags.items():
            cdk.Tags.of(scope).add(key, value)
        tag_list = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
        for node in scope.node.find_all():
            # Exactly CfnResource: its typed subclasses are taggable through Tags.of.
            if (
                type(node) is cdk.CfnResource
                and node.cfn_resource_type in _TAGGABLE_RAW_TYPES
                and not cdk.TagManager.is_taggable(node)
            ):
                node.add_property_override("Tags", tag_list)
