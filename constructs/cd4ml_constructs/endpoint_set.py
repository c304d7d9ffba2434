"""The VPC endpoints that let workloads in isolated subnets reach AWS services."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_ec2 as ec2

from constructs import Construct


class VpcEndpointSet(Construct):
    """Gateway endpoints for S3 and DynamoDB plus the named interface endpoints.

    Interface endpoints get private DNS and share one security group that
    admits HTTPS (443) from the VPC's CIDR only and allows no egress. Each
    interface endpoint bills per AZ per hour, so the set is exactly what the
    caller names.

    :param vpc: the VPC (created or imported) the endpoints live in.
    :param subnets: the subnets the interface endpoints are placed in.
    :param vpc_cidr: the VPC's CIDR block, the only source allowed on 443.
    :param interface_services: short service names, for example ``sagemaker.api``;
        ``sagemaker.studio`` and ``sagemaker.experiments`` (MLflow) select the
        endpoints with the ``aws.sagemaker`` prefix.
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
        self.gateway_endpoints: dict[str, ec2.GatewayVpcEndpoint] = {
            "s3": vpc.add_gateway_endpoint(
                "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[subnets]
            ),
            "dynamodb": vpc.add_gateway_endpoint(
                "DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB, subnets=[subnets]
            ),
        }
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in interface_services:
            self.interface_endpoints[name] = ec2.InterfaceVpcEndpoint(
                self,
                _construct_id(name),
                vpc=vpc,
                service=_service(name),
                subnets=subnets,
                security_groups=[self.security_group],
                private_dns_enabled=True,
                open=False,
            )


def _service(name: str) -> ec2.IInterfaceVpcEndpointService:
    if name == "sagemaker.studio":
        return ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_STUDIO
    if name == "sagemaker.experiments":
        return ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS
    return ec2.InterfaceVpcEndpointAwsService(name)


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", ".").split(".")) + "Endpoint"
