"""The VPC endpoints that let workloads in isolated subnets reach AWS services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_ec2 as ec2

from cd4ml_constructs.endpoint_policies import (
    dynamodb_gateway_statements,
    interface_statements,
    s3_gateway_statements,
)
from cd4ml_constructs.region_table import regional_list
from constructs import Construct

GATEWAY_SERVICES = {
    "s3": ("S3", ec2.GatewayVpcEndpointAwsService.S3),
    "dynamodb": ("DynamoDb", ec2.GatewayVpcEndpointAwsService.DYNAMODB),
}


class VpcEndpointSet(Construct):
    """Gateway endpoints for S3 and DynamoDB plus the named interface endpoints.

    Interface endpoints get private DNS and share one security group that
    admits HTTPS (443) from the VPC's CIDR only and allows no egress. Each
    interface endpoint bills per AZ per hour, so the set is exactly what the
    caller names. Every endpoint has an endpoint policy limited to this
    account (:mod:`cd4ml_constructs.endpoint_policies`).

    In an imported VPC the network team may run endpoints already: a gateway
    endpoint is added only to route tables that have none for its service
    (``existing_route_tables``), and ``existing_security_group_id`` is the
    group of interface endpoints the VPC has (exposed as
    :attr:`existing_security_group` for workloads' egress).

    :param vpc: the VPC (created or imported) the endpoints live in.
    :param subnets: the subnets the interface endpoints are placed in.
    :param vpc_cidr: the VPC's CIDR block, the only source allowed on 443.
    :param interface_services: short service names, for example ``sagemaker.api``;
        ``sagemaker.studio`` and ``sagemaker.experiments`` (MLflow) select the
        endpoints with the ``aws.sagemaker`` prefix.
    :param bucket_prefix: the platform's S3 bucket names start with it.
    :param image_accounts: by region, the AWS accounts of the SageMaker image
        registries the ECR endpoints admit pulls from (a mapping of the table
        is written only when an ECR endpoint is created).
    :param existing_route_tables: route table ids, by gateway service (``s3``,
        ``dynamodb``), that already have that gateway endpoint; default none.
    :param existing_security_group_id: security group of the VPC's existing
        interface endpoints; default none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        vpc_cidr: str,
        interface_services: Sequence[str],
        bucket_prefix: str,
        image_accounts: Mapping[str, tuple[str, ...]],
        existing_route_tables: Mapping[str, Sequence[str]] | None = None,
        existing_security_group_id: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.security_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="Interface endpoints: HTTPS from inside the VPC only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC"
        )
        self.existing_security_group: ec2.ISecurityGroup | None = None
        if existing_security_group_id is not None:
            self.existing_security_group = ec2.SecurityGroup.from_security_group_id(
                self, "ExistingEndpointSecurityGroup", existing_security_group_id, mutable=False
            )
        existing = existing_route_tables or {}
        selected = vpc.select_subnets(
            subnet_type=subnets.subnet_type, subnets=subnets.subnets
        ).subnets
        self.gateway_endpoints: dict[str, ec2.GatewayVpcEndpoint] = {}
        for name, (construct_id, service) in GATEWAY_SERVICES.items():
            taken = set(existing.get(name, ()))
            free = [subnet for subnet in selected if subnet.route_table.route_table_id not in taken]
            if not free:
                continue
            gateway = vpc.add_gateway_endpoint(
                construct_id, service=service, subnets=[ec2.SubnetSelection(subnets=free)]
            )
            statements = (
                s3_gateway_statements(self, bucket_prefix=bucket_prefix)
                if name == "s3"
                else dynamodb_gateway_statements(self)
            )
            for statement in statements:
                gateway.add_to_policy(statement)
            self.gateway_endpoints[name] = gateway
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in interface_services:
            endpoint = ec2.InterfaceVpcEndpoint(
                self,
                _construct_id(name),
                vpc=vpc,
                service=_service(name),
                subnets=subnets,
                security_groups=[self.security_group],
                private_dns_enabled=True,
                open=False,
            )
            accounts = (
                regional_list(self, mapping_id="SageMakerImageAccounts", table=image_accounts)
                if name in ("ecr.api", "ecr.dkr")
                else []
            )
            for statement in interface_statements(self, service=name, image_accounts=accounts):
                endpoint.add_to_policy(statement)
            self.interface_endpoints[name] = endpoint

    @property
    def security_groups(self) -> list[ec2.ISecurityGroup]:
        """The groups of every interface endpoint workloads may reach (created, existing)."""
        groups: list[ec2.ISecurityGroup] = [self.security_group]
        if self.existing_security_group is not None:
            groups.append(self.existing_security_group)
        return groups


def _service(name: str) -> ec2.IInterfaceVpcEndpointService:
    if name == "sagemaker.studio":
        return ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_STUDIO
    if name == "sagemaker.experiments":
        return ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS
    return ec2.InterfaceVpcEndpointAwsService(name)


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", ".").split(".")) + "Endpoint"
