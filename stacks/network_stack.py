"""NetworkStack: the VPC, its endpoints and its flow logs."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from cd4ml_constructs import VpcEndpointSet
from cd4ml_constructs.gateway_prefix_lists import GatewayPrefixLists
from cd4ml_constructs.log_retention import retention_days
from config import NetworkConfig, VpcCreate
from config.network import GATEWAY_SERVICES, VpcImport
from config.sagemaker_images import SAGEMAKER_IMAGE_ACCOUNTS
from constructs import Construct


class NetworkStack(cdk.Stack):
    """A VPC-only network: isolated subnets, VPC endpoints, encrypted flow logs.

    A created VPC has isolated subnets only (no internet or NAT gateway)
    unless ``network.vpc.nat_gateways`` asks for NAT. An imported VPC is
    described entirely by config, so synth makes no AWS call.

    Exposes ``vpc``, ``subnets`` (where workloads and endpoints go),
    ``vpc_cidr``, ``endpoints`` and ``gateway_prefix_lists`` (the S3 and
    DynamoDB prefix list ids, by service, read at deploy time).

    :param network: the environment's network settings.
    :param logs_key: key that encrypts the flow log group.
    :param availability_zones: explicit AZ names for an environment with a
        fixed region (avoids an AZ lookup); ``None`` for env-agnostic stacks.
    :param bucket_prefix: the platform's S3 bucket names start with it
        (``<env>-``): the S3 gateway endpoint admits those buckets only.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        network: NetworkConfig,
        logs_key: kms.IKey,
        availability_zones: list[str] | None,
        bucket_prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        vpc_settings = network.vpc
        self.vpc: ec2.IVpc
        if isinstance(vpc_settings, VpcCreate):
            self.vpc_cidr = vpc_settings.cidr
            self.vpc = self._create_vpc(vpc_settings, network.az_count, availability_zones)
            self._log_default_security_group_handler(logs_key, network.flow_log_retention_days)
            workload_type = (
                ec2.SubnetType.PRIVATE_WITH_EGRESS
                if vpc_settings.nat_gateways
                else ec2.SubnetType.PRIVATE_ISOLATED
            )
            self.subnets = ec2.SubnetSelection(subnet_type=workload_type)
        else:
            self.vpc_cidr = vpc_settings.cidr
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=vpc_settings.vpc_id,
                vpc_cidr_block=vpc_settings.cidr,
                availability_zones=list(vpc_settings.availability_zones),
                private_subnet_ids=list(vpc_settings.subnet_ids),
                private_subnet_route_table_ids=list(vpc_settings.route_table_ids) or None,
            )
            self.subnets = ec2.SubnetSelection(subnets=self.vpc.private_subnets)

        flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            encryption_key=logs_key,
            retention=retention_days(network.flow_log_retention_days),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The delivery role carries a customer-managed policy, not an inline
        # one; the L2's own grants are switched off so none is added.
        flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            description="VPC Flow Logs delivery to the encrypted flow log group",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": self.account}}
            ),
        )
        flow_log_role.add_managed_policy(
            iam.ManagedPolicy(
                self,
                "FlowLogDeliveryPolicy",
                description="Write VPC flow logs to the platform's flow log group",
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ],
                        resources=[flow_log_group.log_group_arn],
                    )
                ],
            )
        )
        ec2.FlowLog(
            self,
            "FlowLog",
            resource_type=ec2.FlowLogResourceType.from_vpc(self.vpc),
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                flow_log_group, flow_log_role.without_policy_updates()
            ),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self.endpoints = VpcEndpointSet(
            self,
            "Endpoints",
            vpc=self.vpc,
            subnets=self.subnets,
            vpc_cidr=self.vpc_cidr,
            interface_services=network.interface_endpoints,
            bucket_prefix=bucket_prefix,
            image_accounts=SAGEMAKER_IMAGE_ACCOUNTS,
            **_existing_endpoints(network),
        )
        self.gateway_prefix_lists = GatewayPrefixLists(
            self,
            "GatewayPrefixLists",
            logs_key=logs_key,
            log_retention_days=network.flow_log_retention_days,
        ).ids

    def _create_vpc(
        self, settings: VpcCreate, az_count: int, availability_zones: list[str] | None
    ) -> ec2.Vpc:
        # Room for 3 AZs of workload subnets and, with NAT, half-size public ones.
        workload_mask = int(settings.cidr.split("/")[1]) + 3
        subnets = [
            ec2.SubnetConfiguration(
                name="workloads",
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
                if settings.nat_gateways
                else ec2.SubnetType.PRIVATE_ISOLATED,
                cidr_mask=workload_mask,
            )
        ]
        if settings.nat_gateways:
            subnets.insert(
                0,
                ec2.SubnetConfiguration(
                    name="egress", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=workload_mask + 1
                ),
            )
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(settings.cidr),
            max_azs=None if availability_zones else az_count,
            availability_zones=availability_zones,
            nat_gateways=settings.nat_gateways,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        return vpc

    def _log_default_security_group_handler(self, logs_key: kms.IKey, days: int) -> None:
        """An encrypted, expiring log group for aws-cdk-lib's default-security-group handler.

        The handler (``Custom::VpcRestrictDefaultSG``) is a provider function
        that takes no log settings; without this, Lambda would create
        ``/aws/lambda/<name>`` itself, unencrypted and kept forever.
        """
        provider = self.node.find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
        handler = provider.node.find_child("Handler")
        assert isinstance(handler, cdk.CfnResource)
        log_group = logs.LogGroup(
            self,
            "DefaultSecurityGroupHandlerLogs",
            encryption_key=logs_key,
            retention=retention_days(days),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        handler.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name})
        # aws-cdk-lib's provider both references its role and lists it in
        # DependsOn; cfn-lint notes the redundancy (W3005) on this resource only.
        handler.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})


def _existing_endpoints(network: NetworkConfig) -> dict[str, Any]:
    """What an imported VPC already has, as :class:`VpcEndpointSet` takes it."""
    if not isinstance(network.vpc, VpcImport):
        return {}
    existing = network.vpc.existing_endpoints
    return {
        "existing_route_tables": {
            service: existing.route_tables_with(service) for service in GATEWAY_SERVICES
        },
        "existing_security_group_id": existing.security_group_id,
    }
