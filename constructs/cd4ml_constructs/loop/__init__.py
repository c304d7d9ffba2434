"""Constructs of the CD4ML loop: its functions, tables, messaging and per-project resources."""

from cd4ml_constructs.loop.drift_monitor import DRIFT_METRIC, DRIFT_NAMESPACE, DriftMonitor
from cd4ml_constructs.loop.function_code import (
    POWERTOOLS_LAYER_VERSION,
    powertools_layer_arn,
    sdk_for_pandas_layer_arn,
)
from cd4ml_constructs.loop.lapse_alarm import lapse_alarm
from cd4ml_constructs.loop.loop_function import FunctionNetwork, LoopFunction
from cd4ml_constructs.loop.loop_tables import LoopTables
from cd4ml_constructs.loop.messaging import DeadLetterQueue, EncryptedTopic
from cd4ml_constructs.loop.ml_project import MlProject, project_policy
from cd4ml_constructs.loop.naming import LoopNames

__all__ = [
    "DRIFT_METRIC",
    "DRIFT_NAMESPACE",
    "POWERTOOLS_LAYER_VERSION",
    "DeadLetterQueue",
    "DriftMonitor",
    "EncryptedTopic",
    "FunctionNetwork",
    "LoopFunction",
    "LoopNames",
    "LoopTables",
    "MlProject",
    "lapse_alarm",
    "powertools_layer_arn",
    "project_policy",
    "sdk_for_pandas_layer_arn",
]
