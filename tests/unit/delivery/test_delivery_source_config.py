"""The pipeline's source in config: every kind loads, and every bad value names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.delivery.test_delivery_config import config_dir, error_for, load

__all__ = ["config_dir"]  # the fixture, shared with the pipeline config tests


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{kind: codeconnections, repository: org/repo}", "source.connection_arn: null"),
        (
            "{kind: codeconnections, connection_arn: 'arn:aws:iam::1:role/x', repository: o/r}",
            "source.connection_arn:",
        ),
        ("{kind: s3, repository: org/repo}", 'source.repository: "org/repo" is not allowed'),
        ("{kind: codecommit}", "source.repository: null is not allowed"),
        ("{kind: github}", 'source.kind: "github" is not allowed'),
        ("{kind: s3, object_key: source.tar}", "source.object_key:"),
        ("{kind: s3, branch: '../main'}", "source.branch:"),
    ],
)
def test_bad_source_names_the_key(config_dir: Path, source: str, expected: str) -> None:
    message = error_for(
        config_dir,
        f"""\
        tooling: {{account: "444455556666", region: eu-west-1}}
        source: {source}
        environments: [{{name: dev}}]
        """,
    )
    assert expected in message


def test_good_sources_load(config_dir: Path) -> None:
    arn = "arn:aws:codeconnections:eu-west-1:444455556666:connection/" + "0" * 8 + "-" + "0" * 27
    for source, kind in [
        (
            f"{{kind: codeconnections, connection_arn: '{arn}', repository: org/repo}}",
            "codeconnections",
        ),
        ("{kind: codecommit, repository: cd4ml-platform, branch: release}", "codecommit"),
    ]:
        settings = load(
            config_dir,
            f"""\
            tooling: {{account: "444455556666", region: eu-west-1}}
            source: {source}
            environments: [{{name: dev}}]
            """,
        )
        assert settings.config.source.kind == kind
