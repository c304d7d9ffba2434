"""The data scientist: explores lake data and runs experiments; never approves."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_s3 as s3

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.studio.personas.builder import ZoneGrants, allow_builder_work, allow_lake
from cd4ml_constructs.studio.personas.resources import PersonaResources

DESCRIPTION = "Data scientist: explores lake data and runs experiments in Studio; cannot approve"


def grant_data_scientist(
    role: ManagedPolicyRole,
    *,
    resources: PersonaResources,
    zone_buckets: Mapping[str, s3.IBucket],
    zones: ZoneGrants,
) -> None:
    """Its lake zones, its experiment prefixes, training and processing jobs, registration."""
    allow_lake(role, zone_buckets, zones)
    allow_builder_work(role, resources)
