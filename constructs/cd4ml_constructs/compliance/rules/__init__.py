"""The rules of the platform's own validation pack, one module each.

cdk-nag has no rules for SageMaker domains, user profiles, model package
groups or the platform's permissions boundary; these fill that gap.
"""

from cd4ml_constructs.compliance.rules import (
    domain_vpc_only_encrypted,
    endpoint_config_customer_key,
    model_package_group_accounts,
    no_sagemaker_full_access,
    role_permissions_boundary,
    sagemaker_job_guardrails,
)
from cd4ml_constructs.compliance.rules.rule import Finding, Rule, RuleContext, Template

RULES: tuple[Rule, ...] = (
    domain_vpc_only_encrypted.RULE,
    no_sagemaker_full_access.RULE,
    role_permissions_boundary.RULE,
    model_package_group_accounts.RULE,
    endpoint_config_customer_key.RULE,
    sagemaker_job_guardrails.RULE,
)

__all__ = ["RULES", "Finding", "Rule", "RuleContext", "Template"]
