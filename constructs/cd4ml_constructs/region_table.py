"""Values that differ by region, from a checked-in table, for fixed and env-agnostic stacks."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk

from constructs import IConstruct


def regional_value(
    scope: IConstruct,
    *,
    mapping_id: str,
    table: Mapping[str, Mapping[str, str]],
    attribute: str,
) -> str:
    """``table[<region>][attribute]`` for the stack's region.

    A stack with a fixed region gets the value itself; an env-agnostic stack
    gets ``Fn::FindInMap`` over one mapping ``mapping_id`` holding the whole
    table, so the region chosen at deploy time picks its own row (a region the
    table lacks fails the deploy before any resource is created).

    :param table: rows by region code; attribute names must be alphanumeric.
    :raises ValueError: the stack's fixed region has no row.
    """
    stack = cdk.Stack.of(scope)
    if not cdk.Token.is_unresolved(stack.region):
        row = table.get(stack.region)
        if row is None:
            raise ValueError(
                f"no {mapping_id} entry for {stack.region} in the table; "
                f"regions: {', '.join(table)}"
            )
        return row[attribute]
    mapping = stack.node.try_find_child(mapping_id)
    if not isinstance(mapping, cdk.CfnMapping):
        mapping = cdk.CfnMapping(
            stack,
            mapping_id,
            mapping={region: dict(row) for region, row in sorted(table.items())},
        )
    return mapping.find_in_map(cdk.Aws.REGION, attribute)


def regional_list(
    scope: IConstruct,
    *,
    mapping_id: str,
    table: Mapping[str, tuple[str, ...]],
) -> list[str]:
    """``table[<region>]``, a list of strings, for the stack's region.

    See :func:`regional_value`; the mapping holds each list comma-joined and an
    env-agnostic stack splits it with ``Fn::Split``.
    """
    joined = regional_value(
        scope,
        mapping_id=mapping_id,
        table={region: {"Values": ",".join(values)} for region, values in table.items()},
        attribute="Values",
    )
    if cdk.Token.is_unresolved(joined):
        return cdk.Fn.split(",", joined)
    return joined.split(",")
