"""Deployable units of CD4ML Platform, one per lifecycle, composed by :class:`PlatformStage`."""

from stacks.data_lake_stack import DataLakeStack
from stacks.guardrails_stack import GuardrailsStack
from stacks.keys_stack import KeysStack
from stacks.loop_stack import LoopStack
from stacks.loop_state_stack import LoopStateStack
from stacks.network_stack import NetworkStack
from stacks.platform_stage import PlatformStage
from stacks.project_catalog_stack import ProjectCatalogStack
from stacks.project_contract_stack import ProjectContractStack
from stacks.project_stack import ProjectStack
from stacks.studio_stack import StudioStack

__all__ = [
    "DataLakeStack",
    "GuardrailsStack",
    "KeysStack",
    "LoopStack",
    "LoopStateStack",
    "NetworkStack",
    "PlatformStage",
    "ProjectCatalogStack",
    "ProjectContractStack",
    "ProjectStack",
    "StudioStack",
]
