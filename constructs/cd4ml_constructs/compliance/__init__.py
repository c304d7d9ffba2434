"""Compliance gates that run on every synth, and the one way to acknowledge a finding."""

from cd4ml_constructs.compliance.acknowledgements import acknowledge
from cd4ml_constructs.compliance.packs import (
    add_compliance_packs,
    compliance_packs,
    validation_findings,
    validation_summary,
)

__all__ = [
    "acknowledge",
    "add_compliance_packs",
    "compliance_packs",
    "validation_findings",
    "validation_summary",
]
