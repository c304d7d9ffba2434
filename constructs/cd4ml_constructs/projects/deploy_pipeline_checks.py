"""The CodeBuild checks of the model-deploy pipeline, each with a role of its own.

Each check runs one buildspec of ``pipeline_templates/model_deploy/deploy_code/``
from the pipeline's source artifact: the package check before any endpoint
changes, the staging verify and smoke test, the production verify, and the
publication of the deployed model's drift baseline.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.compliance import acknowledge
from cd4ml_constructs.projects.deploy_pipeline_artifacts import PipelineArtifactsRole
from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget
from constructs import Construct

# Where the drift check of an endpoint reads its baseline, under the artifacts
# bucket: drift-baselines/<project>/<endpoint>/baseline.json
# (lambdas/drift_check/scheduled_check.py, default_baseline_uri).
DRIFT_BASELINES_PREFIX = "drift-baselines"
_CODEBUILD_LOGS = (
    "CodeBuild writes each build's log to a stream it names inside the project's own log group."
)
_CODEBUILD_REPORTS = (
    "CodeBuild report groups of this project only; their names start with the project's name."
)


class DeployCheck(Construct):
    """One CodeBuild project that runs a buildspec of the deploy code, and its role.

    :param buildspec: file name of the buildspec in the deploy code.
    :param description: what the check proves.
    :param artifact_bucket: the pipeline's artifact bucket (the build reads its source there).
    :param artifacts_prefix: the pipeline's key prefix in that bucket.
    :param artifacts_key: the pipeline artifacts' key; it also encrypts the build's output.
    :param timeout: longest a build may run; default 30 minutes.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        buildspec: str,
        description: str,
        artifact_bucket: s3.IBucket,
        artifacts_prefix: str,
        artifacts_key: kms.IKey,
        timeout: cdk.Duration | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.role = PipelineArtifactsRole(
            self,
            "Role",
            artifact_bucket=artifact_bucket,
            artifacts_prefix=artifacts_prefix,
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"CodeBuild role: {description}",
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            description=description,
            build_spec=codebuild.BuildSpec.from_source_filename(buildspec),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            encryption_key=artifacts_key,
            role=self.role,
            timeout=timeout or cdk.Duration.minutes(30),
        )
        source = self.project.node.default_child
        assert isinstance(source, codebuild.CfnProject)
        acknowledge(
            source,
            "The project's source is the pipeline's artifact (source type CODEPIPELINE), not a "
            "GitHub or Bitbucket repository: there is no repository credential to protect.",
            "HIPAA.Security::HIPAA.Security-CodeBuildProjectSourceRepoUrl",
            "PCI.DSS.321::PCI.DSS.321-CodeBuildProjectSourceRepoUrl",
        )
        stack = cdk.Stack.of(self)
        project_name = self.project.project_name
        # Read once: each read crosses into the jsii runtime.
        partition, region, account = stack.partition, stack.region, stack.account
        log_group = f"arn:{partition}:logs:{region}:{account}:log-group:"
        self.role.explain_resource(f"{log_group}/aws/codebuild/{project_name}:*", _CODEBUILD_LOGS)
        self.role.explain_resource(
            f"arn:{partition}:codebuild:{region}:{account}:report-group/{project_name}-*",
            _CODEBUILD_REPORTS,
        )

    def allow_endpoint_checks(self, target: EndpointTarget, *, invoke: bool) -> None:
        """Let the check describe ``target``'s endpoint (and invoke it when ``invoke``)."""
        if target.cross_account:
            assert target.verify_role_arn is not None
            self.role.allow(
                "EndpointCheck", actions=["sts:AssumeRole"], resources=[target.verify_role_arn]
            )
            return
        stack = cdk.Stack.of(self)

        def arn(resource: str, name: str) -> str:
            return stack.format_arn(
                service="sagemaker",
                resource=resource,
                resource_name=name,
                arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
            )

        endpoint = arn("endpoint", target.endpoint_name)
        self.role.allow(
            "EndpointCheck", actions=["sagemaker:DescribeEndpoint"], resources=[endpoint]
        )
        self.role.allow(
            "EndpointCheck",
            actions=["sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel"],
            resources=[arn("endpoint-config", "*"), arn("model", "*")],
            reason=(
                "The endpoint's configs and models are named by CloudFormation at each deploy; "
                "the check reads the ones the live endpoint serves. Describe only."
            ),
        )
        if invoke:
            self.role.allow(
                "EndpointCheck", actions=["sagemaker:InvokeEndpoint"], resources=[endpoint]
            )

    def allow_package_check(self, model_package_group_name: str) -> None:
        """Let the check read the versions of the project's model package group."""
        stack = cdk.Stack.of(self)
        self.role.allow(
            "PackageCheck",
            actions=["sagemaker:DescribeModelPackage"],
            resources=[
                stack.format_arn(
                    service="sagemaker",
                    resource="model-package",
                    resource_name=f"{model_package_group_name}/*",
                    arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
                )
            ],
            reason="The check reads the one version the run deploys, of this project's group.",
        )

    def allow_baseline_publish(
        self, *, artifact_bucket: s3.IBucket, project: str, endpoint_name: str
    ) -> str:
        """Let the check copy a build's baseline to where ``endpoint_name``'s drift check reads.

        Reads the project's build outputs, writes the one baseline object of the
        endpoint, and uses the bucket's key for both. Returns the object's key.
        """
        key = drift_baseline_key(project, endpoint_name)
        self.role.grant_objects(
            artifact_bucket,
            f"{build_prefix(project)}/runs/*",
            write=False,
            reason="Each build run writes its drift baseline under its own run prefix of the "
            "project's build outputs; the model package names which one is deployed.",
        )
        self.role.allow(
            "PublishBaseline",
            actions=["s3:PutObject"],
            resources=[artifact_bucket.arn_for_objects(key)],
        )
        if artifact_bucket.encryption_key is not None:
            artifact_bucket.encryption_key.grant(self.role, "kms:GenerateDataKey")
        return key


def build_prefix(project: str) -> str:
    """``projects/<project>/build``: the project's build outputs in the artifacts bucket."""
    return f"projects/{project}/build"


def drift_baseline_key(project: str, endpoint_name: str) -> str:
    """``drift-baselines/<project>/<endpoint>/baseline.json``: what the drift check reads."""
    return f"{DRIFT_BASELINES_PREFIX}/{project}/{endpoint_name}/baseline.json"
