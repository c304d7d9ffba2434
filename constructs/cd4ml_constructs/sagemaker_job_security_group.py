"""The security group SageMaker jobs of the platform carry (the job guardrails name it)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2

from cd4ml_constructs.compliance import acknowledge
from constructs import Construct


class SageMakerJobSecurityGroup(ec2.SecurityGroup):
    """The security group SageMaker jobs and models of the platform carry.

    HTTPS out to AWS services through the VPC endpoints (the subnets have
    no route to the internet) and all traffic among its members (distributed
    training, encrypted inter-container traffic); nothing else in.

    :param vpc: the platform's VPC.
    """

    def __init__(self, scope: Construct, id: str, *, vpc: ec2.IVpc) -> None:
        super().__init__(
            scope,
            id,
            vpc=vpc,
            description="SageMaker jobs: HTTPS out to the VPC endpoints and S3, traffic among "
            "members; nothing else in",
            allow_all_outbound=False,
        )
        self.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS services through VPC endpoints"
        )
        # Instances of one job talk to each other on any port (distributed
        # training, IPsec of encrypted inter-container traffic).
        members = ec2.CfnSecurityGroupIngress(
            self,
            "FromMembers",
            group_id=self.security_group_id,
            source_security_group_id=self.security_group_id,
            ip_protocol="-1",
            description="Between the instances of one job",
        )
        acknowledge(
            members,
            "The only source is this security group itself: instances of one SageMaker job "
            "reach each other on any port for distributed training and encrypted "
            "inter-container traffic; no address range is admitted.",
            "HIPAA.Security::HIPAA.Security-EC2RestrictedCommonPorts",
            "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts",
            "PCI.DSS.321::PCI.DSS.321-EC2RestrictedCommonPorts",
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "ToMembers",
            group_id=self.security_group_id,
            destination_security_group_id=self.security_group_id,
            ip_protocol="-1",
            description="Between the instances of one job",
        )
