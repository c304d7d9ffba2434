"""What a persona needs to create a project from the catalog, as one customer-managed policy."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_servicecatalog as servicecatalog

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.managed_policy_role import flatten
from cd4ml_constructs.projects.template_catalog import TEMPLATES_PREFIX
from constructs import Construct

PROJECT_ACTIONS = (
    "sagemaker:CreateProject",
    "sagemaker:DeleteProject",
    "sagemaker:DescribeProject",
    "sagemaker:UpdateProject",
)
PRODUCT_ACTIONS = (
    "servicecatalog:DescribeProduct",
    "servicecatalog:DescribeProvisioningParameters",
    "servicecatalog:ListLaunchPaths",
    "servicecatalog:ProvisionProduct",
)
PROVISIONED_ACTIONS = (
    "servicecatalog:DescribeProvisionedProduct",
    "servicecatalog:DescribeRecord",
    "servicecatalog:SearchProducts",
    "servicecatalog:SearchProvisionedProducts",
    "servicecatalog:TerminateProvisionedProduct",
    "servicecatalog:UpdateProvisionedProduct",
)
STACK_ACTIONS = (
    "cloudformation:CreateStack",
    "cloudformation:DeleteStack",
    "cloudformation:UpdateStack",
)


class ProjectCreatorAccess(Construct):
    """A managed policy (``policy``) attached to the roles that may create projects.

    They read the S3 templates and their tags (Studio lists them by the tag),
    pass only the launch role, create, update and delete SageMaker projects,
    provision the Service Catalog product, and start project stacks only
    with the launch role (``cloudformation:RoleArn``). The policy lives in the
    catalog stack and attaches itself to the roles, so the persona stack
    holds no reference to the catalog.

    :param roles: the persona roles that may create projects.
    :param catalog_bucket: the bucket of the templates.
    :param catalog_key: the bucket's key.
    :param launch_role: the role project stacks are created with.
    :param product: the Service Catalog product.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        roles: Sequence[iam.IRole],
        catalog_bucket: s3.IBucket,
        catalog_key: kms.IKey,
        launch_role: iam.IRole,
        product: servicecatalog.IProduct,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        templates = catalog_bucket.arn_for_objects(f"{TEMPLATES_PREFIX}*")
        projects = stack.format_arn(service="sagemaker", resource="project", resource_name="*")
        stacks = stack.format_arn(service="cloudformation", resource="stack", resource_name="*")
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Create ML projects from the CD4ML project template (S3 or Service "
            "Catalog) with its launch role",
            roles=list(roles),
            statements=[
                iam.PolicyStatement(
                    sid="ReadTemplates",
                    actions=["s3:GetObject", "s3:GetObjectTagging"],
                    resources=[templates],
                ),
                iam.PolicyStatement(
                    sid="ListTemplates",
                    actions=["s3:ListBucket"],
                    resources=[catalog_bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{TEMPLATES_PREFIX}*"]}},
                ),
                iam.PolicyStatement(
                    sid="DecryptTemplates",
                    actions=["kms:Decrypt"],
                    resources=[catalog_key.key_arn],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}
                    },
                ),
                iam.PolicyStatement(
                    sid="PassLaunchRole",
                    actions=["iam:PassRole"],
                    resources=[launch_role.role_arn],
                ),
                iam.PolicyStatement(
                    sid="Projects", actions=list(PROJECT_ACTIONS), resources=[projects]
                ),
                iam.PolicyStatement(
                    sid="ListProjects", actions=["sagemaker:ListProjects"], resources=["*"]
                ),
                iam.PolicyStatement(
                    sid="ProjectStacks",
                    actions=list(STACK_ACTIONS),
                    resources=[stacks],
                    conditions={"StringEquals": {"cloudformation:RoleArn": launch_role.role_arn}},
                ),
                iam.PolicyStatement(
                    sid="Product", actions=list(PRODUCT_ACTIONS), resources=[product.product_arn]
                ),
                iam.PolicyStatement(
                    sid="ProvisionedProducts", actions=list(PROVISIONED_ACTIONS), resources=["*"]
                ),
            ],
        )
        reasons = {
            templates: "The catalog's templates, one object per template under templates/.",
            projects: "SageMaker project names are chosen by the person creating the project; "
            "the template's parameters restrict them.",
            "*": "ListProjects and Service Catalog's provisioned-product and search actions "
            "have no resource-level permissions.",
            stacks: "Project stack names are chosen by SageMaker; the statement allows them "
            "only with the launch role (cloudformation:RoleArn).",
        }
        resource = self.policy.node.default_child
        assert isinstance(resource, iam.CfnManagedPolicy)
        for pattern, reason in reasons.items():
            acknowledge(
                resource,
                reason,
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{flatten(stack.resolve(pattern))}]",
            )
