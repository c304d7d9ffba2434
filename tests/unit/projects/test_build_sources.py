"""A project's code source: S3 zip by default, a Git provider or CodeCommit on request."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import assertions

from cd4ml_constructs.loop import LoopNames
from cd4ml_constructs.projects import BuildSettings, ModelBuildPipeline, import_platform
from cd4ml_constructs.projects.seed_code import seed_code_asset
from config.project_source import SourceConfig
from tests.unit.loop.test_project_config import BASE, PROJECT, error_for, load

CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:111122223333:connection/0b5e9c1d-2f3a-4b5c-8d9e-0123456789ab"
)


def with_source(source: str) -> str:
    return BASE + PROJECT + f"    source: {source}\n"


def test_the_default_source_is_the_s3_zip(tmp_path: Any) -> None:
    (project,) = load(tmp_path, BASE + PROJECT).projects
    assert project.source == SourceConfig(kind="s3", branch="main")


def test_a_git_provider_source_loads(tmp_path: Any) -> None:
    text = with_source(
        f"{{kind: codeconnections, connection_arn: '{CONNECTION}', repository: acme/churn, "
        "branch: release/2026}"
    )
    (project,) = load(tmp_path, text).projects
    assert (project.source.repository, project.source.branch) == ("acme/churn", "release/2026")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{kind: github}", 'projects[0].source.kind: "github" is not allowed'),
        (
            "{kind: codeconnections, repository: acme/churn}",
            "projects[0].source.connection_arn: null is not allowed; a CodeConnections connection ARN",
        ),
        (
            f"{{kind: codeconnections, connection_arn: '{CONNECTION}'}}",
            "projects[0].source.repository: null is not allowed; owner/name of the Git repository",
        ),
        (
            "{kind: codeconnections, connection_arn: 'arn:aws:iam::1:role/x', repository: a/b}",
            "projects[0].source.connection_arn:",
        ),
        ("{kind: s3, repository: acme/churn}", "projects[0].source.repository:"),
        (f"{{kind: codecommit, connection_arn: '{CONNECTION}'}}", "nothing with kind codecommit"),
        ("{kind: codecommit, repository: 'no spaces'}", "a CodeCommit repository name"),
        ("{branch: 'a..b'}", "projects[0].source.branch:"),
    ],
)
def test_a_bad_source_is_one_line_naming_the_key(tmp_path: Any, source: str, expected: str) -> None:
    assert expected in error_for(tmp_path, with_source(source))


def build_template(source: SourceConfig) -> assertions.Template:
    stack = cdk.Stack(cdk.App(), "Test")
    names = LoopNames("test")
    ModelBuildPipeline(
        stack,
        "Build",
        settings=BuildSettings(
            project="churn",
            environment="test",
            pipeline_name=names.build_pipeline("churn"),
            model_package_group=names.model_package_group("churn"),
            metric_name="auc",
            metric_direction="higher",
            min_threshold="0.75",
            source_kind=source.kind,
            connection_arn=source.connection_arn,
            repository=source.repository,
            branch=source.branch,
        ),
        platform=import_platform(stack, names),
        seed_code=seed_code_asset(stack, "Seed"),
        log_retention=cdk.aws_logs.RetentionDays.ONE_WEEK,
    )
    return assertions.Template.from_stack(stack)


def test_a_git_provider_source_reads_through_the_connection() -> None:
    template = build_template(
        SourceConfig(kind="codeconnections", connection_arn=CONNECTION, repository="acme/churn")
    )
    (pipeline,) = template.find_resources("AWS::CodePipeline::Pipeline").values()
    (source,) = pipeline["Properties"]["Stages"][0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"] == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "acme/churn",
        "BranchName": "main",
        "DetectChanges": True,
    }
    template.resource_count_is("Custom::AWS", 0)
    template.resource_count_is("AWS::Events::Rule", 0)
    policies = json.dumps(template.find_resources("AWS::IAM::ManagedPolicy"))
    assert (
        "codestar-connections:UseConnection" in policies
        or "codeconnections:UseConnection" in policies
    )


def test_a_codecommit_source_is_a_repository_seeded_with_the_seed_code() -> None:
    template = build_template(SourceConfig(kind="codecommit"))
    template.has_resource(
        "AWS::CodeCommit::Repository",
        {
            "Properties": {
                "RepositoryName": "cd4ml-test-churn-build-code",
                "Code": {"BranchName": "main", "S3": assertions.Match.any_value()},
                "KmsKeyId": assertions.Match.any_value(),
            },
            "DeletionPolicy": "Retain",
        },
    )
    template.resource_count_is("Custom::AWS", 0)
