"""Deployable units of CD4ML Platform, one per lifecycle, composed by :class:`PlatformStage`."""

from stacks.data_lake_stack import DataLakeStack
from stacks.keys_stack import KeysStack
from stacks.network_stack import NetworkStack
from stacks.platform_stage import PlatformStage

__all__ = ["DataLakeStack", "KeysStack", "NetworkStack", "PlatformStage"]
