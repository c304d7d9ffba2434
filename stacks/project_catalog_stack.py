"""ProjectCatalogStack: the project template, published to SageMaker Projects both ways."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_servicecatalog as servicecatalog

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.log_retention import retention_days
from cd4ml_constructs.loop import LoopNames
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from cd4ml_constructs.projects.creator_access import ProjectCreatorAccess
from cd4ml_constructs.projects.launch_role import project_launch_role
from cd4ml_constructs.projects.seed_code import S3ObjectCopy, acknowledge_copy_function
from cd4ml_constructs.projects.template_catalog import (
    TEMPLATE_NAME,
    VISIBILITY_TAG,
    asset_object,
    catalog_bucket_name,
    studio_origin,
    template_key,
    template_url,
)
from cd4ml_constructs.projects.template_product import ProjectTemplateStack
from cd4ml_constructs.secure_bucket import SecureBucket
from constructs import Construct

# The construct id aws-cdk-lib's product stack synthesizer looks for under the
# asset bucket: created here first, it runs with a role of ours.
PRODUCT_ASSETS_DEPLOYMENT = "ProductAssetsDeployment"


class ProjectCatalogStack(cdk.Stack):
    """``<env>-project-catalog``: the project template in S3 and in Service Catalog.

    * ``bucket``: the catalog bucket ``cd4ml-<env>-tmpl-<account>-<region>``
      (SecureBucket, CORS for the Studio origin) with the template at
      ``templates/cd4ml-ml-project.yaml``, tagged ``sagemaker:studio-visibility=true``
      (``published``), and the template's assets at the bucket root;
    * ``product_stack``: the template (:class:`ProjectTemplateStack`), the
      same construct as every declared project;
    * ``portfolio`` and ``product``: the Service Catalog product (tagged for
      Studio), shared with ``creators``, launched with ``launch_role``;
    * ``creator_access``: what ``creators`` need to create a project.

    :param names: the environment's naming contract.
    :param log_retention_days: retention of the log groups (catalog and projects).
    :param catalog_key: key of the catalog bucket.
    :param messages_key: key of the projects' topics, queues and schedules.
    :param logs_key: key of the log groups.
    :param access_logs: the bucket of S3 server access logs.
    :param permissions_boundary: the boundary every project role must carry.
    :param creators: persona roles that may create projects.
    :param drift_check: the drift check function the projects' schedules invoke.
    :param declared_projects: names of the projects config declares, whose resources the
        launch role is denied.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        log_retention_days: int,
        catalog_key: kms.IKey,
        messages_key: kms.IKey,
        logs_key: kms.IKey,
        access_logs: s3.IBucket,
        permissions_boundary: iam.IManagedPolicy,
        creators: Sequence[iam.IRole],
        drift_check: lambda_.IFunction,
        declared_projects: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        retention = retention_days(log_retention_days)
        name = catalog_bucket_name(names)
        self.bucket = SecureBucket(
            self,
            "Bucket",
            encryption_key=catalog_key,
            access_logs=access_logs,
            log_prefix="project-catalog",
            bucket_name=name,
        ).bucket
        self.bucket.add_cors_rule(
            allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_origins=[studio_origin()],
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=3000,
        )
        # The product stack needs the bucket's name as a value (its template
        # computes the same name from the account and region).
        asset_target = s3.Bucket.from_bucket_attributes(
            self, "AssetTarget", bucket_name=name, encryption_key=catalog_key
        )
        self._deploy_assets(asset_target, catalog_key, logs_key, retention)
        self.product_stack = ProjectTemplateStack(
            self,
            "ProjectTemplate",
            names=names,
            log_retention=retention,
            asset_bucket=asset_target,
            asset_key=catalog_key,
        )
        # aws-cdk-lib's handle on the bootstrap bucket the assets are published to.
        published_assets = cast(s3.IBucket, self.product_stack.node.find_child("ParentAssetBucket"))
        self.assets_role.explain_resource(
            published_assets.arn_for_objects("*"),
            "The CDK bootstrap bucket the template's assets are published to, named by content "
            "hash; aws-cdk-lib's bucket deployment grants reading its objects.",
        )
        template = servicecatalog.CloudFormationTemplate.from_product_stack(self.product_stack)
        product_template = asset_object(template.bind(self).http_url)
        self.published = S3ObjectCopy(
            self,
            "PublishTemplate",
            source_bucket=s3.Bucket.from_bucket_name(self, "TemplateAssets", product_template[0]),
            source_key=product_template[1],
            bucket=self.bucket,
            key=template_key(),
            logs_key=logs_key,
            log_retention=retention,
            purpose="Publishes each version of the project template to the catalog's S3 templates",
            grants_policy="Publish",
            physical_id_prefix="project-template",
            tags=dict([VISIBILITY_TAG]),
            copy_on_update=True,
        )
        self.launch_role = project_launch_role(
            self,
            "LaunchRole",
            names=names,
            permissions_boundary=permissions_boundary,
            catalog_bucket=self.bucket,
            catalog_key=catalog_key,
            product_template=product_template,
            keys=[messages_key],
            scheduled_functions=[drift_check],
            declared_projects=declared_projects,
        )
        self._add_portfolio(names, template, product_template[1], creators)
        self.creator_access = ProjectCreatorAccess(
            self,
            "CreatorAccess",
            roles=creators,
            catalog_bucket=self.bucket,
            catalog_key=catalog_key,
            launch_role=self.launch_role,
            product=self.product,
        )
        acknowledge_copy_function(self)
        cdk.CfnOutput(
            self, "TemplateName", value=TEMPLATE_NAME, description="CreateProject TemplateName"
        )
        cdk.CfnOutput(
            self, "TemplateUrl", value=template_url(names), description="CreateProject TemplateURL"
        )
        cdk.CfnOutput(
            self,
            "LaunchRoleArn",
            value=self.launch_role.role_arn,
            description="CreateProject RoleARN (the template's launch role)",
        )
        cdk.CfnOutput(self, "ProductId", value=self.product.product_id)

    def _deploy_assets(
        self,
        target: s3.IBucket,
        key: kms.IKey,
        logs_key: kms.IKey,
        retention: logs.RetentionDays,
    ) -> None:
        """The bucket deployment that copies the template's assets into the catalog bucket."""
        role = ManagedPolicyRole(
            self,
            "AssetsRole",
            description="Copies the project template's assets into the catalog bucket",
            grants_policy="Assets",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        log_group = logs.LogGroup(
            self,
            "AssetsLogs",
            retention=retention,
            encryption_key=logs_key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_group.grant_write(role)
        deployment = s3deploy.BucketDeployment(
            cast(Construct, target),
            PRODUCT_ASSETS_DEPLOYMENT,
            sources=[],
            destination_bucket=target,
            extract=False,
            prune=False,
            retain_on_delete=True,
            server_side_encryption=s3deploy.ServerSideEncryption.AWS_KMS,
            server_side_encryption_aws_kms_key_id=key.key_arn,
            output_object_keys=False,
            role=role,
            log_group=log_group,
        )
        self.assets_role = role
        role.explain_resource(
            target.arn_for_objects("*"),
            "The template's assets land in the catalog bucket under their content hash; "
            "aws-cdk-lib's bucket deployment grants the bucket's objects.",
        )
        function = next(
            child
            for child in self.node.children
            if child.node.id.startswith("Custom::CDKBucketDeployment")
        )
        resource = function.node.default_child
        assert isinstance(resource, cdk.CfnResource)
        # aws-cdk-lib makes the function depend on its role and also references
        # the role; cfn-lint notes the redundancy on this resource.
        resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["W3005"]}})
        acknowledge(
            resource,
            "aws-cdk-lib's bucket deployment function runs when CloudFormation deploys the "
            "catalog: CloudFormation invokes it and reports its failure on the stack (no event "
            "can be lost, so no dead-letter queue), one deployment runs at a time, it calls "
            "only S3 in this account (no VPC: the catalog has no subnets of its own), and "
            "aws-cdk-lib pins its runtime and handler.",
            "HIPAA.Security::HIPAA.Security-LambdaDLQ",
            "HIPAA.Security::HIPAA.Security-LambdaInsideVPC",
            "HIPAA.Security::HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
            "PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC",
            "Serverless::Serverless-LambdaDLQ",
            "Serverless::Serverless-LambdaLatestVersion",
            "Serverless::Serverless-LambdaTracing",
            "AwsSolutions::AwsSolutions-L1",
        )
        self.assets_deployment = deployment

    def _add_portfolio(
        self,
        names: LoopNames,
        template: servicecatalog.CloudFormationTemplate,
        template_object_key: str,
        creators: Sequence[iam.IRole],
    ) -> None:
        """The Service Catalog portfolio and product, its version named by the template's hash."""
        self.portfolio = servicecatalog.Portfolio(
            self,
            "Portfolio",
            display_name=f"CD4ML {names.environment} ML projects",
            provider_name="CD4ML Platform",
            description="Project templates of the CD4ML Platform for SageMaker Projects",
        )
        self.product = servicecatalog.CloudFormationProduct(
            self,
            "Product",
            product_name=f"{names.prefix}-ml-project",
            owner="CD4ML Platform",
            description="An ML project: model build, model deploy, drift monitor and policy",
            product_versions=[
                servicecatalog.CloudFormationProductVersion(
                    cloud_formation_template=template,
                    # <sha256 of the template>.json: the same template, the same version.
                    product_version_name=cdk.Fn.select(0, cdk.Fn.split(".", template_object_key)),
                    description="The template as this platform version synthesizes it",
                )
            ],
        )
        cdk.Tags.of(self.product).add(*VISIBILITY_TAG)
        self.portfolio.add_product(self.product)
        self.portfolio.set_launch_role(self.product, self.launch_role)
        for role in creators:
            self.portfolio.give_access_to_role(role)
