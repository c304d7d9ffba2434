"""The stages of the model-deploy pipeline, in order, from its actions and checks."""

from __future__ import annotations

from aws_cdk import aws_codepipeline as codepipeline
from aws_cdk import aws_codepipeline_actions as actions
from aws_cdk import aws_s3_assets as s3_assets

from cd4ml_constructs.loop.naming import PRODUCTION_APPROVAL
from cd4ml_constructs.projects.deploy_pipeline_actions import check_action
from cd4ml_constructs.projects.deploy_pipeline_checks import DeployCheck
from cd4ml_constructs.projects.deploy_pipeline_parameters import check_variables
from cd4ml_constructs.projects.deploy_pipeline_targets import EndpointTarget

STAGE_NAMES = (
    "Source",
    "DeployStaging",
    "TestStaging",
    PRODUCTION_APPROVAL,
    "DeployProduction",
    "VerifyProduction",
    "PublishDriftBaseline",
)


def deploy_stages(
    *,
    deploy_code: s3_assets.Asset,
    source: codepipeline.Artifact,
    package_arn: str,
    model_package_group_name: str,
    package_check: DeployCheck,
    staging: EndpointTarget,
    staging_stack: codepipeline.IAction,
    staging_test: DeployCheck,
    approval: codepipeline.IAction,
    production: EndpointTarget,
    production_stack: codepipeline.IAction,
    production_verify: DeployCheck,
    baseline_publish: DeployCheck,
    baseline_variables: dict[str, str],
) -> list[codepipeline.StageProps]:
    """``STAGE_NAMES`` with their actions: source, staging, test, approval, production, verify,
    and the deployed model's drift baseline.

    :param deploy_code: the deploy code asset, the pipeline's source (never a trigger).
    :param source: the source artifact every later action reads.
    :param package_arn: the pipeline variable's reference (``ModelPackageArn``).
    """
    return [
        codepipeline.StageProps(
            stage_name=STAGE_NAMES[0],
            actions=[
                actions.S3SourceAction(
                    action_name="DeployCode",
                    bucket=deploy_code.bucket,
                    bucket_key=deploy_code.s3_object_key,
                    output=source,
                    trigger=actions.S3Trigger.NONE,
                )
            ],
        ),
        codepipeline.StageProps(
            stage_name=STAGE_NAMES[1],
            actions=[
                check_action(
                    "CheckModelPackage",
                    package_check.project,
                    source,
                    {
                        "MODEL_PACKAGE_ARN": package_arn,
                        "MODEL_PACKAGE_GROUP": model_package_group_name,
                    },
                    run_order=1,
                ),
                staging_stack,
            ],
        ),
        codepipeline.StageProps(
            stage_name=STAGE_NAMES[2],
            actions=[
                check_action(
                    "VerifyAndSmokeTest",
                    staging_test.project,
                    source,
                    check_variables(
                        staging, namespace="StagingEndpoint", model_package_arn=package_arn
                    ),
                )
            ],
        ),
        codepipeline.StageProps(stage_name=STAGE_NAMES[3], actions=[approval]),
        codepipeline.StageProps(stage_name=STAGE_NAMES[4], actions=[production_stack]),
        codepipeline.StageProps(
            stage_name=STAGE_NAMES[5],
            actions=[
                check_action(
                    "VerifyProduction",
                    production_verify.project,
                    source,
                    check_variables(
                        production, namespace="ProductionEndpoint", model_package_arn=package_arn
                    ),
                )
            ],
        ),
        codepipeline.StageProps(
            stage_name=STAGE_NAMES[6],
            actions=[
                check_action(
                    "PublishDriftBaseline",
                    baseline_publish.project,
                    source,
                    {"MODEL_PACKAGE_ARN": package_arn, **baseline_variables},
                )
            ],
        ),
    ]
