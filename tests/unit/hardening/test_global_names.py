"""Account-global and globally unique names carry the environment and the region."""

from __future__ import annotations

from cd4ml_constructs.managed_policy_role import flatten
from tests.conftest import SynthesizedEnvironment

# IAM names are unique per account (every region shares them); bucket names
# are unique across all accounts.
ACCOUNT_GLOBAL = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::User": "UserName",
}
GLOBAL = {"AWS::S3::Bucket": "BucketName"}


def named(environment: SynthesizedEnvironment, types: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (resource["Metadata"]["aws:cdk:path"], flatten(resource["Properties"][key]))
        for stack in (*environment.assembly.stacks, *environment.assembly.products)
        for resource_type, key in types.items()
        for resource in stack.resources_of_type(resource_type).values()
        if key in resource.get("Properties", {})
    ]


def test_account_global_names_are_unique_per_environment_and_region(
    environment: SynthesizedEnvironment,
) -> None:
    config = environment.config
    region = config.region or "<AWS::Region>"
    names = named(environment, ACCOUNT_GLOBAL)
    # The permissions boundary and the keys' break-glass role, at least.
    assert {name for _, name in names} >= {
        f"cd4ml-{config.name}-{region}-permissions-boundary",
        f"cd4ml-{config.name}-{region}-key-break-glass",
    }
    for path, name in names:
        assert name.startswith(f"cd4ml-{config.name}-{region}-"), (path, name)
        assert len(name) <= 64 or "<" in name, (path, name)


def test_fixed_bucket_names_carry_environment_account_and_region(
    environment: SynthesizedEnvironment,
) -> None:
    config = environment.config
    accounts = {config.account or "<AWS::AccountId>", "<AWS::AccountId>"}
    regions = {config.region or "<AWS::Region>", "<AWS::Region>"}
    names = named(environment, GLOBAL)
    assert names  # the project catalog's bucket is a contract
    for path, name in names:
        assert name.startswith(f"cd4ml-{config.name}-"), (path, name)
        assert any(a in name for a in accounts) and any(r in name for r in regions), (path, name)
