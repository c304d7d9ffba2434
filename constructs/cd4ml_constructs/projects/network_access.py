"""Network interfaces of a project's VPC jobs and endpoints: the platform's subnets only."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole

# EC2 has no resource type for these: they stay on "*", without conditions.
DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
# On the network-interface resource type, with the ec2:Subnet and ec2:Vpc keys.
INTERFACE_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
)
# No resource type and no EC2 condition key in the service authorization reference.
UNSCOPED_ACTIONS = ("ec2:DeleteNetworkInterfacePermission",)


def subnet_arns(stack: cdk.Stack, subnet_ids: Sequence[str]) -> list[str]:
    """ARN patterns of ``subnet_ids`` (for ``ArnLike``): a list token, as the ids may be one.

    CloudFormation's ``Fn::Join`` takes a literal delimiter only, so an
    environment-agnostic stack leaves partition, region and account as ``*``:
    a subnet id names one subnet, and the role acts in its own account anyway.
    """
    where = (stack.partition, stack.region, stack.account)
    partition, region, account = (
        ("*", "*", "*") if any(map(cdk.Token.is_unresolved, where)) else where
    )
    prefix = f"arn:{partition}:ec2:{region}:{account}:subnet/"
    return cdk.Fn.split(",", cdk.Fn.join("", [prefix, cdk.Fn.join(f",{prefix}", list(subnet_ids))]))


def allow_vpc_network(
    role: ManagedPolicyRole,
    purpose: str,
    *,
    subnet_ids: Sequence[str],
    vpc_id: str,
) -> None:
    """Network interfaces only in the platform's subnets and VPC, in the policy for ``purpose``.

    Every interface action that takes the condition keys is limited by
    ``ec2:Subnet`` to the platform's subnets and by ``ec2:Vpc`` to its VPC; an
    interface is created only in a subnet and with security groups of that VPC.
    """
    stack = cdk.Stack.of(role)
    vpc = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc_id)
    role.allow(
        purpose,
        actions=DESCRIBE_ACTIONS,
        resources=["*"],
        reason="EC2 Describe actions have no resource-level permissions in IAM.",
    )
    role.allow(
        purpose,
        actions=INTERFACE_ACTIONS,
        resources=[
            stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        ],
        conditions={
            "ArnLike": {"ec2:Subnet": subnet_arns(stack, subnet_ids)},
            "ArnEquals": {"ec2:Vpc": vpc},
        },
        reason="Network interfaces SageMaker creates and names for jobs and endpoints, limited "
        "by condition (ec2:Subnet, ec2:Vpc) to the platform's subnets and VPC.",
    )
    role.allow(
        purpose,
        actions=["ec2:CreateNetworkInterface"],
        resources=[
            stack.format_arn(service="ec2", resource=kind, resource_name="*")
            for kind in ("security-group", "subnet")
        ],
        conditions={"ArnEquals": {"ec2:Vpc": vpc}},
        reason="The subnet and security groups a new interface uses, limited by condition "
        "(ec2:Vpc) to the platform's VPC; the ids are deploy-time values from SSM.",
    )
    role.allow(
        purpose,
        actions=UNSCOPED_ACTIONS,
        resources=["*"],
        reason="ec2:DeleteNetworkInterfacePermission has no resource-level permissions in IAM.",
    )
