"""The project template of SageMaker Projects: the same construct as a declared project.

:class:`ProjectTemplateStack` is a Service Catalog ``ProductStack`` whose body
is :class:`ProjectTemplate`: the template's parameters, the platform's SSM
contract, and :class:`MlProjectResources`, the construct every project stack
uses. The catalog publishes the synthesized template twice, as an S3 template
for ``CreateProject`` with ``TemplateProviders`` and as a Service Catalog
product, so both ways of creating a project and the projects declared in
config are built by one construct and cannot drift apart.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_servicecatalog as servicecatalog
from aws_cdk import custom_resources as cr

from cd4ml_constructs.loop.naming import LoopNames
from cd4ml_constructs.projects.platform_contract import import_platform
from cd4ml_constructs.projects.project_resources import MlProjectResources
from cd4ml_constructs.projects.seed_code import (
    AWS_CUSTOM_RESOURCE_FUNCTION,
    acknowledge_copy_function,
)
from cd4ml_constructs.projects.template_parameters import TemplateSettings, template_parameters
from constructs import Construct

# SageMaker associates a project's resources through these tags.
PROJECT_NAME_TAG = "sagemaker:project-name"
PROJECT_ID_TAG = "sagemaker:project-id"


def template_role_path(names: LoopNames) -> str:
    """IAM path of every role a project template creates: the launch role may pass only these."""
    return f"/{names.prefix}-projects/"


class ProjectTemplate(Construct):
    """The body of the project template: parameters in, one :class:`MlProjectResources` out.

    Settings come from the template's parameters (:func:`template_parameters`),
    the platform's values from its SSM parameters (:func:`import_platform`),
    so the template holds no reference to a platform stack. Every role gets
    the platform's permissions boundary and the IAM path
    :func:`template_role_path`, every resource the tags SageMaker uses to
    list a project's resources. ``NotificationEmail``, when not empty, is
    subscribed to the team topic by a call of aws-cdk-lib's custom-resource
    function (a template has no CloudFormation Conditions, and an empty email
    subscription would fail the stack); an empty address is an invalid
    parameter for SNS and is ignored.

    :param names: the environment's naming contract.
    :param log_retention: retention of the project's log groups.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        stack = cdk.Stack.of(self)
        self.settings: TemplateSettings = template_parameters(stack, names=names)
        self.platform = import_platform(stack, names)
        iam.PermissionsBoundary.of(stack).apply(self.platform.permissions_boundary)
        self.resources = MlProjectResources(
            self,
            "Project",
            project=self.settings.project,
            names=names,
            platform=self.platform,
            log_retention=log_retention,
        )
        self.email_subscription = self._subscribe(self.settings.notification_email)
        cdk.Tags.of(stack).add(PROJECT_NAME_TAG, self.settings.project.name)
        cdk.Tags.of(stack).add(PROJECT_ID_TAG, self.settings.project_id)
        acknowledge_copy_function(stack)
        path = template_role_path(names)
        for node in stack.node.find_all():
            if isinstance(node, (iam.CfnRole, iam.CfnManagedPolicy)):
                node.path = path

    def _subscribe(self, email: str) -> cr.AwsCustomResource:
        topic = self.resources.registry.topic
        subscription = cr.AwsCustomResource(
            self,
            "NotificationEmail",
            on_create=_subscribe_call(topic.topic_arn, email),
            on_update=_subscribe_call(topic.topic_arn, email),
            install_latest_aws_sdk=False,
            role=self._custom_resource_role(),
        )
        self._custom_resource_role().add_to_principal_policy(
            iam.PolicyStatement(actions=["sns:Subscribe"], resources=[topic.topic_arn])
        )
        return subscription

    def _custom_resource_role(self) -> iam.IRole:
        """The role of the stack's one custom-resource function (the seed code copy's)."""
        function = cdk.Stack.of(self).node.try_find_child(AWS_CUSTOM_RESOURCE_FUNCTION)
        role = getattr(function, "role", None)
        if role is None:
            raise ValueError("the project template expects the seed code copy's function")
        return role


def _subscribe_call(topic_arn: str, email: str) -> cr.AwsSdkCall:
    return cr.AwsSdkCall(
        service="SNS",
        action="subscribe",
        parameters={"TopicArn": topic_arn, "Protocol": "email", "Endpoint": email},
        physical_resource_id=cr.PhysicalResourceId.of("notification-email"),
        # SNS refuses an empty endpoint as an invalid parameter: no address given.
        ignore_error_codes_matching="^InvalidParameter",
    )


class ProjectTemplateStack(servicecatalog.ProductStack):
    """The project template as a Service Catalog product stack (its template is an asset).

    Its file assets (the seed code, the custom-resource function's code) are
    published into ``asset_bucket``, encrypted with ``asset_key``, where
    CloudFormation reads them when a project is created.

    :param names: the environment's naming contract.
    :param log_retention: retention of the project's log groups.
    :param asset_bucket: the catalog bucket (a physical name is required).
    :param asset_key: the catalog bucket's key.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        log_retention: logs.RetentionDays,
        asset_bucket: s3.IBucket,
        asset_key: kms.IKey,
    ) -> None:
        super().__init__(
            scope,
            id,
            asset_bucket=asset_bucket,
            server_side_encryption=s3deploy.ServerSideEncryption.AWS_KMS,
            server_side_encryption_aws_kms_key_id=asset_key.key_arn,
            description=f"CD4ML Platform {names.environment}: an ML project from SageMaker "
            "Projects (model build, model deploy, drift monitor)",
        )
        self.template = ProjectTemplate(self, "Template", names=names, log_retention=log_retention)
