"""cfn-lint on the declared project stacks, one without a retrain schedule (example-dev)."""

from __future__ import annotations

import cfnlint.api
import pytest

from tests.conftest import SynthesizedEnvironment, synthesize
from tests.unit.loop.template_reading import project_stack

ENVIRONMENT = "example-dev"


@pytest.fixture(scope="module")
def example_dev(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedEnvironment:
    """The development example, whose project retrains on data and drift only."""
    return synthesize(ENVIRONMENT, tmp_path_factory.mktemp(ENVIRONMENT))


def test_a_project_without_a_retrain_schedule_declares_only_parameters_it_uses(
    example_dev: SynthesizedEnvironment,
) -> None:
    config = example_dev.config
    unscheduled = [p for p in config.projects if p.retrain.schedule is None]
    assert unscheduled, f"{ENVIRONMENT} should declare a project without a retrain schedule"
    lint = cfnlint.api.ManualArgs(regions=[config.region or "us-east-1"])
    for project in unscheduled:
        template = project_stack(example_dev, project.name)
        parameters = {p.get("Default") for p in template.template["Parameters"].values()}
        assert f"/cd4ml/{ENVIRONMENT}/platform/loop/retrain-trigger-arn" not in parameters
        assert f"/cd4ml/{ENVIRONMENT}/platform/loop/drift-check-arn" in parameters
        found = [
            f"{m.rule.id} {m.message}"
            for m in cfnlint.api.lint_file(template.template_path, config=lint)
        ]
        assert found == [], project.name


def test_cfn_lint_finds_nothing_in_a_declared_project_stack(
    environment: SynthesizedEnvironment,
) -> None:
    lint = cfnlint.api.ManualArgs(regions=[environment.config.region or "us-east-1"])
    for project in environment.config.projects:
        template = project_stack(environment, project.name)
        found = [
            f"{m.rule.id} {m.message}"
            for m in cfnlint.api.lint_file(template.template_path, config=lint)
        ]
        assert found == [], project.name
