"""Published Lambda layer ARNs for the stack's region, from a checked-in table.

A stack with a fixed region gets the ARN as a plain string; an env-agnostic
stack gets ``Fn::FindInMap`` over one ``PublishedLayers`` mapping of every
region in the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cd4ml_constructs.region_table import regional_value
from constructs import IConstruct

MAPPING_ID = "PublishedLayers"
# CloudFormation mapping attribute names must be alphanumeric.
_ATTRIBUTE = {"powertools": "Powertools", "sdk_for_pandas": "SdkForPandas"}


class RegionLayerTable(Protocol):
    """One region's row: the layer version ARN of each named layer."""

    def arn(self, region: str, layer: str) -> str: ...


def published_layer_arn(
    scope: IConstruct, *, table: Mapping[str, RegionLayerTable], layer: str
) -> str:
    """The ARN of ``layer`` (``powertools`` or ``sdk_for_pandas``) in the stack's region.

    :param table: rows by region code (``config.layers.PUBLISHED_LAYERS``).
    :raises ValueError: the stack's fixed region has no row.
    """
    if layer not in _ATTRIBUTE:
        raise ValueError(f"unknown layer {layer!r}: one of {', '.join(_ATTRIBUTE)}")
    return regional_value(
        scope,
        mapping_id=MAPPING_ID,
        table={
            region: {_ATTRIBUTE[name]: row.arn(region, name) for name in _ATTRIBUTE}
            for region, row in table.items()
        },
        attribute=_ATTRIBUTE[layer],
    )
