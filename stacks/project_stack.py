"""ProjectStack: one ML project declared in config, as a stack of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from cd4ml_constructs.log_retention import retention_days
from cd4ml_constructs.loop import LoopNames
from cd4ml_constructs.projects import MlProjectResources, import_platform
from cd4ml_constructs.projects.seed_code import acknowledge_copy_function
from config.projects import ProjectConfig
from constructs import Construct


class ProjectStack(cdk.Stack):
    """``<env>-project-<name>``: one project's :class:`MlProjectResources`.

    The stack reads the platform's values from the SSM parameters the
    platform publishes (``/cd4ml/<env>/platform/...``) when it deploys, and
    references no export of the platform's stacks: the platform updates
    without waiting on its projects, and a project is added or removed without
    touching the platform. Its roles carry the platform's permissions
    boundary, read from the same parameters.

    :param names: the environment's naming contract.
    :param project: the validated project definition.
    :param log_retention_days: retention of the project's log groups.
    :param registry_accounts: other accounts that may read the model package group.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        project: ProjectConfig,
        log_retention_days: int,
        registry_accounts: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.platform = import_platform(self, names)
        iam.PermissionsBoundary.of(self).apply(self.platform.permissions_boundary)
        self.project = MlProjectResources(
            self,
            _pascal(project.name),
            project=project,
            names=names,
            platform=self.platform,
            log_retention=retention_days(log_retention_days),
            registry_accounts=registry_accounts,
        )
        acknowledge_copy_function(self)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
