"""CD4ML Platform's reusable construct library.

Imported as ``cd4ml_constructs``: a top-level package named ``constructs`` would
shadow the CDK ``constructs`` library. Each construct does one architectural job
and applies the platform's secure defaults itself.
"""

from cd4ml_constructs.endpoint_set import VpcEndpointSet
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.platform_key import PlatformKey
from cd4ml_constructs.secure_bucket import AccessLogBucket, SecureBucket

__all__ = [
    "AccessLogBucket",
    "ManagedPolicyRole",
    "PlatformKey",
    "SecureBucket",
    "VpcEndpointSet",
]
