"""DeliveryPipeline with a CodeCommit source, in a small app of its own with every pack."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import cfnlint.api
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from app import feature_flags
from cd4ml_constructs.compliance import add_compliance_packs
from cd4ml_constructs.delivery import DeliveryPipeline, DeliveryStage, PipelineSource, StageCheck
from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from tools.cloud_assembly import CloudAssembly


def test_codecommit_source_starts_on_commits_and_passes_every_pack(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path), context=feature_flags())
    add_compliance_packs(app)
    target = cdk.Stage(app, "target")
    ssm.StringParameter(cdk.Stack(target, "Settings"), "Version", string_value="1")
    stack = cdk.Stack(
        app, "Tooling", env=cdk.Environment(account="444455556666", region="eu-west-1")
    )
    check_role = ManagedPolicyRole(
        stack,
        "CheckRole",
        description="post-deploy checks",
        assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
    )
    iam.PermissionsBoundary.of(stack).apply(
        iam.ManagedPolicy.from_managed_policy_name(stack, "Boundary", "cd4ml-test-boundary")
    )
    DeliveryPipeline(
        stack,
        "Delivery",
        source=PipelineSource(kind="codecommit", repository="cd4ml-platform", branch="release"),
        synth_commands=["make setup", "make test"],
        cli_version="2.1148.1",
        stages=[
            DeliveryStage(
                stage=target,
                requires_approval=True,
                check=StageCheck(
                    environment="target",
                    loop_stack_name="target-loop",
                    lookup_role_arn="arn:aws:iam::444455556666:role/lookup",
                    region="eu-west-1",
                    studio_domain_id=None,
                    role=check_role,
                ),
            )
        ],
        cross_account_keys=False,
        log_retention_days=365,
        alias_prefix="cd4ml/test",
        break_glass=iam.Role(
            stack,
            "BreakGlass",
            role_name="cd4ml-test-eu-west-1-key-break-glass",
            assumed_by=iam.AccountRootPrincipal(),
        ),
    )
    app.synth()
    assembly = CloudAssembly.load(tmp_path)
    assert assembly.findings(suppressed=False) == []
    tooling = assembly.stack("Tooling")
    (pipeline,) = tooling.resources_of_type("AWS::CodePipeline::Pipeline").values()
    (source,) = pipeline["Properties"]["Stages"][0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source["Configuration"]["RepositoryName"] == "cd4ml-platform"
    assert source["Configuration"]["BranchName"] == "release"
    assert source["Configuration"]["PollForSourceChanges"] is False
    (rule,) = tooling.resources_of_type("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"]["detail"]["referenceName"] == ["release"]
    (target_config,) = rule["Properties"]["Targets"]
    role_id = target_config["RoleArn"]["Fn::GetAtt"][0]
    trust = tooling.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "events.amazonaws.com"}
    approval, *_ = pipeline["Properties"]["Stages"][-1]["Actions"]
    assert approval["ActionTypeId"]["Provider"] == "Manual"
    config = cfnlint.api.ManualArgs(regions=["eu-west-1"])
    assert [str(m) for m in cfnlint.api.lint_file(tooling.template_path, config=config)] == []
