"""Audit bundles of the shipped environments, and of one small probe app that breaks the rules.

The shipped environments are synthesized once per session (tests/conftest.py);
the probe is a bare app with one Stage (``probe``) holding what the platform
never ships: an unencrypted bucket and topic without tags, a VPC with an
internet route beside a VpcOnly domain, a NAT gateway, and a person-assumable
role that may approve models; a deploy pipeline with a manual approval and
the role that may give it; and a second stack that reads a key through the
SSM contract (a parameter of SSM type), as project stacks do.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

from tests.conftest import SynthesizedEnvironment
from tools.audit.bundle import Part, build_bundle
from tools.audit.references import EnvironmentView
from tools.cloud_assembly import CloudAssembly

PROBE = "probe"


@pytest.fixture(scope="session")
def sandbox_bundle(sandbox: SynthesizedEnvironment) -> dict[str, Part]:
    """The sandbox's bundle, by part name."""
    return {part.name: part for part in build_bundle(sandbox.assembly, sandbox.config)}


@pytest.fixture(scope="session")
def prod_bundle(example_prod: SynthesizedEnvironment) -> dict[str, Part]:
    """The example-prod bundle, by part name."""
    return {part.name: part for part in build_bundle(example_prod.assembly, example_prod.config)}


@pytest.fixture(scope="session")
def sandbox_view(sandbox: SynthesizedEnvironment) -> EnvironmentView:
    return EnvironmentView(assembly=sandbox.assembly, environment=sandbox.config.name)


@pytest.fixture(scope="session")
def probe_view(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentView:
    """The probe app, synthesized once, without validation packs."""
    outdir = tmp_path_factory.mktemp("probe")
    app = cdk.App(
        outdir=str(outdir),
        context={"aws:cdk:enable-path-metadata": True},
        builtin_cloud_formation_validation=False,
    )
    stage = cdk.Stage(app, PROBE)
    stack = cdk.Stack(stage, "Store")
    s3.CfnBucket(stack, "PlainBucket")
    sns.CfnTopic(stack, "PlainTopic")
    vpc = ec2.Vpc(
        stack,
        "OpenVpc",
        max_azs=2,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="apps", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ],
    )
    sagemaker.CfnDomain(
        stack,
        "Domain",
        auth_mode="IAM",
        domain_name="probe",
        app_network_access_type="VpcOnly",
        vpc_id=vpc.vpc_id,
        subnet_ids=[subnet.subnet_id for subnet in vpc.private_subnets],
        default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
            execution_role="arn:aws:iam::111122223333:role/probe"
        ),
    )
    sagemaker.CfnModelPackageGroup(stack, "Registry", model_package_group_name="cd4ml-probe-demo")
    people = iam.AccountRootPrincipal()
    everything = iam.PolicyStatement(actions=["sagemaker:*"], resources=["*"])
    iam.Role(
        stack,
        "BroadRole",
        assumed_by=people,
        inline_policies={"All": iam.PolicyDocument(statements=[everything])},
    )
    iam.Role(
        stack,
        "DeniedRole",
        assumed_by=people,
        inline_policies={
            "AllButApproval": iam.PolicyDocument(
                statements=[
                    everything,
                    iam.PolicyStatement(
                        effect=iam.Effect.DENY,
                        actions=["sagemaker:UpdateModelPackage"],
                        resources=["*"],
                    ),
                ]
            )
        },
    )
    codepipeline.CfnPipeline(
        stack,
        "DeployPipeline",
        name="cd4ml-sandbox-churn-deploy",
        role_arn="arn:aws:iam::111122223333:role/probe-pipeline",
        artifact_store=codepipeline.CfnPipeline.ArtifactStoreProperty(
            type="S3", location="probe-artifacts"
        ),
        stages=[
            codepipeline.CfnPipeline.StageDeclarationProperty(
                name="Prod",
                actions=[
                    codepipeline.CfnPipeline.ActionDeclarationProperty(
                        name="ApproveProduction",
                        action_type_id=codepipeline.CfnPipeline.ActionTypeIdProperty(
                            category="Approval", owner="AWS", provider="Manual", version="1"
                        ),
                    )
                ],
            )
        ],
    )
    approval = cdk.Fn.sub(
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:"
        "cd4ml-sandbox-churn-deploy/Prod/ApproveProduction"
    )
    iam.Role(
        stack,
        "ReleaseManagerRole",
        assumed_by=people,
        inline_policies={
            "Approve": iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        actions=["codepipeline:PutApprovalResult"], resources=[approval]
                    )
                ]
            )
        },
    )
    key = kms.Key(stack, "ContractKey")
    ssm.StringParameter(
        stack, "KeyArn", parameter_name="/probe/contract/key-arn", string_value=key.key_arn
    )
    consumer = cdk.Stack(stage, "Consumer")
    key_arn = cdk.CfnParameter(
        consumer,
        "KeyArnParameter",
        type="AWS::SSM::Parameter::Value<String>",
        default="/probe/contract/key-arn",
    )
    s3.CfnBucket(
        consumer,
        "ContractBucket",
        bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(
            server_side_encryption_configuration=[
                s3.CfnBucket.ServerSideEncryptionRuleProperty(
                    server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                        sse_algorithm="aws:kms", kms_master_key_id=key_arn.value_as_string
                    )
                )
            ]
        ),
    )
    app.synth()
    return EnvironmentView(assembly=CloudAssembly.load(Path(outdir)), environment=PROBE)
