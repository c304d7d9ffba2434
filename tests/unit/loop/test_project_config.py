"""``projects:`` and ``loop:``: the shipped files load, and every bad value is one clear line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config import ConfigError, load_environment
from config.loop import rate_minutes, schedule_expression

BASE = textwrap.dedent(
    """\
    name: test-env
    tags:
      owner: team-a
      cost_center: "1234"
      data_classification: internal
    """
)
PROJECT = textwrap.dedent(
    """\
    projects:
      - name: churn
        team: forecasting
        metric: {name: auc, direction: higher}
        min_threshold: 0.75
    """
)


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "test-env.yaml").write_text(text, encoding="utf-8")
    return load_environment("test-env", config_dir=tmp_path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, text)
    message = str(raised.value)
    assert "\n" not in message, "a config error is one line"
    assert "test-env.yaml" in message
    return message


def test_sandbox_declares_the_churn_project_with_auto_approval() -> None:
    config = load_environment("sandbox")
    (churn,) = config.projects
    assert (churn.name, churn.team, churn.approval_mode) == ("churn", "forecasting", "auto")
    assert (churn.metric.name, churn.metric.direction, churn.min_threshold) == (
        "auc",
        "higher",
        0.75,
    )
    assert churn.retrain.schedule == "cron(0 3 ? * MON *)"
    assert config.loop.functions_in_vpc is False


def test_example_prod_runs_the_loop_in_the_vpc_with_a_manual_project() -> None:
    config = load_environment("example-prod")
    assert config.loop.functions_in_vpc is True
    assert len(config.loop.egress_prefix_lists) == 2
    assert [p.approval_mode for p in config.projects] == ["manual"]
    assert {"sagemaker.api", "ssm", "sns", "codepipeline", "monitoring"} <= set(
        config.network.interface_endpoints
    )


def test_a_minimal_project_gets_the_documented_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, BASE + PROJECT)
    (project,) = config.projects
    assert project.min_improvement == 0.0
    assert project.approval_mode == "manual"
    assert (project.retrain.enabled, project.retrain.cooldown_minutes) == (True, 360)
    assert project.retrain.schedule is None
    drift = project.drift
    assert (drift.threshold, drift.datapoints_to_alarm, drift.evaluation_periods) == (0.2, 2, 3)
    assert (drift.period_hours, drift.schedule, drift.window_hours) == (1, "rate(1 hour)", 24)
    assert drift.endpoint_name is None
    loop = config.loop
    assert (loop.functions_in_vpc, loop.registry_accounts, loop.alarm_email) == (False, (), None)
    reserved = loop.reserved_concurrency
    assert (reserved.retrain_trigger, reserved.quality_gate) == (None, None)
    assert (reserved.deploy_trigger, reserved.drift_check) == (None, None)
    assert config.trusted_accounts == ()


def test_registry_accounts_are_trusted_by_the_registry_policy_rule(tmp_path: Path) -> None:
    text = BASE + 'account: "111122223333"\nregion: eu-west-1\n'
    text += 'loop:\n  registry_accounts: ["444455556666"]\n'
    assert load(tmp_path, text).trusted_accounts == ("111122223333", "444455556666")


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        (
            "direction: higher",
            "direction: up",
            "projects[0].metric.direction: \"up\" is not allowed; allowed: 'higher' or 'lower'",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    min_improvement: -0.1",
            "projects[0].min_improvement: -0.1 is not allowed",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    approval_mode: sometimes",
            'projects[0].approval_mode: "sometimes" is not allowed',
        ),
        (
            "name: churn",
            "name: Churn_Model",
            'projects[0].name: "Churn_Model" is not allowed; must be 2-31 lowercase',
        ),
        ("name: auc", "name: 'a uc'", 'projects[0].metric.name: "a uc" is not allowed'),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    retrain: {schedule: 'cron(0 3 * * MON *)'}",
            "exactly one of day-of-month and day-of-week must be '?'",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    retrain: {schedule: 'cron(0 3 ? * MON)'}",
            "a cron expression has 6 fields, this one 5",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    retrain: {schedule: 'every monday'}",
            'projects[0].retrain.schedule: "every monday" is not allowed; a recurring schedule',
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    retrain: {schedule: 'rate(1 hours)'}",
            "use a singular unit for 1 and plural otherwise",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    retrain: {cooldown_minutes: -5}",
            "projects[0].retrain.cooldown_minutes: -5 is not allowed",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    drift: {datapoints_to_alarm: 4, evaluation_periods: 3}",
            "projects[0].drift.datapoints_to_alarm: 4 is not allowed; at most evaluation_periods (3)",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    drift: {schedule: 'rate(2 hours)'}",
            'projects[0].drift.schedule: "rate(2 hours)" is not allowed; a check at least every period_hours',
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    drift: {threshold: 0}",
            "projects[0].drift.threshold: 0 is not allowed",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    drift: {window_hours: 400}",
            "projects[0].drift.window_hours: 400 is not allowed",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    drift: {evaluation_periods: 100, datapoints_to_alarm: 2, period_hours: 2, schedule: 'rate(1 hour)'}",
            "projects[0].drift.evaluation_periods: 100 is not allowed; evaluation_periods x period_hours",
        ),
        (
            "min_threshold: 0.75",
            "min_threshold: 0.75\n    notification_emails: [not-an-address]",
            'projects[0].notification_emails: ["not-an-address"] is not allowed',
        ),
        ("team: forecasting", "team: ''", 'projects[0].team: "" is not allowed'),
    ],
)
def test_bad_project_values_name_key_value_and_what_is_allowed(
    tmp_path: Path, replace: str, by: str, expected: str
) -> None:
    text = BASE + PROJECT
    assert replace in text
    assert expected in error_for(tmp_path, text.replace(replace, by, 1))


def test_project_names_are_unique(tmp_path: Path) -> None:
    second = PROJECT.split("\n", 1)[1].replace("team: forecasting", "team: other")
    message = error_for(tmp_path, BASE + PROJECT + second)
    assert 'projects[1].name: "churn" is not allowed; project names must be unique' in message


def test_the_default_endpoint_name_must_fit_sagemaker(tmp_path: Path) -> None:
    environment, project = "an-environment-name-of24", "p" + "x" * 30
    text = (BASE + PROJECT).replace("test-env", environment).replace("churn", project)
    (tmp_path / f"{environment}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(environment, config_dir=tmp_path)
    endpoint = f"cd4ml-{environment}-{project}-prod"
    assert f'projects[0].drift.endpoint_name: "{endpoint}" is not allowed; at most 63' in str(
        raised.value
    )
    with_endpoint = text.replace(
        "min_threshold: 0.75", "min_threshold: 0.75\n    drift: {endpoint_name: short}"
    )
    (tmp_path / f"{environment}.yaml").write_text(with_endpoint, encoding="utf-8")
    assert (
        load_environment(environment, config_dir=tmp_path).projects[0].drift.endpoint_name
        == "short"
    )


@pytest.mark.parametrize(
    ("loop", "expected"),
    [
        (
            "loop:\n  registry_accounts: ['12345']\n",
            'loop.registry_accounts: ["12345"] is not allowed',
        ),
        (
            "loop:\n  registry_accounts: ['111122223333', '111122223333']\n",
            "accounts must be unique",
        ),
        (
            "loop:\n  alarm_email: ops\n",
            'loop.alarm_email: "ops" is not allowed; must be an email address',
        ),
        (
            "loop:\n  reserved_concurrency: {retrain_trigger: 0}\n",
            "loop.reserved_concurrency.retrain_trigger: 0 is not allowed",
        ),
        (
            "loop:\n  functions_in_vpc: true\n",
            "loop.egress_prefix_lists: [] is not allowed; the two prefix lists",
        ),
        ("loop:\n  egress_prefix_lists: [pl-xyz]\n", "must look like pl-0123abcd"),
        ("loop:\n  colour: blue\n", "loop.colour: unknown key"),
        (
            "data_lake:\n  zones: [landing, curated, features]\nstudio:\n  data_access:\n"
            "    ml_engineer: {read: [curated], write: [curated]}\n",
            'data_lake.zones: ["landing", "curated", "features"] is not allowed; a list that includes raw',
        ),
    ],
)
def test_bad_loop_values(tmp_path: Path, loop: str, expected: str) -> None:
    assert expected in error_for(tmp_path, BASE + loop)


def test_functions_in_the_vpc_need_the_endpoints_they_call(tmp_path: Path) -> None:
    loop = "loop:\n  functions_in_vpc: true\n  egress_prefix_lists: [pl-6da54004, pl-6fa54006]\n"
    message = error_for(tmp_path, BASE + loop)
    assert message.endswith(
        'network.interface_endpoints: ["sagemaker.api", "sagemaker.runtime", "sts", "logs"] '
        "is not allowed; add ssm, sns, codepipeline, monitoring: the loop functions run in the "
        "VPC (loop.functions_in_vpc) and call ssm for project policies; sns for notifications "
        "to the project teams; codepipeline for the deploy trigger; monitoring for drift metrics"
    )
    endpoints = (
        "network:\n  interface_endpoints: [sagemaker.api, ssm, sns, codepipeline, monitoring]\n"
    )
    config = load(tmp_path, BASE + loop + endpoints)
    assert config.loop.functions_in_vpc


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 day)",
        "cron(0 3 ? * MON *)",
        "cron(15 10 ? * 6L 2025-2030)",
        "cron(0/15 * * * ? *)",
        "cron(0 2 1 * ? *)",
        "cron(0 8 ? JAN-MAR MON-FRI *)",
    ],
)
def test_valid_schedule_expressions(expression: str) -> None:
    assert schedule_expression(expression) == expression


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 minute)",
        "rate(2 weeks)",
        "cron(* * * * * *)",
        "at(2025-01-01T00:00:00)",
        "cron(0 3 ? * MON * 1)",
    ],
)
def test_invalid_schedule_expressions(expression: str) -> None:
    with pytest.raises(ValueError, match="a recurring schedule"):
        schedule_expression(expression)


def test_rate_minutes() -> None:
    assert rate_minutes("rate(90 minutes)") == 90
    assert rate_minutes("rate(2 hours)") == 120
    assert rate_minutes("rate(1 day)") == 1440
    assert rate_minutes("cron(0 3 ? * MON *)") is None
