"""GuardrailsStack: the permissions boundary every role of the environment carries."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

from cd4ml_constructs.studio import PlatformPermissionsBoundary
from constructs import Construct


class GuardrailsStack(cdk.Stack):
    """The environment's permissions boundary, deployed before any stack with a role.

    ``permissions_boundary`` is the customer-managed policy named
    ``boundary_name``; :class:`~stacks.platform_stage.PlatformStage` applies it
    to every IAM role of the stage, and project templates attach it by name.

    :param boundary_name: name of the boundary policy (a contract).
    :param iam_path: IAM path under which project templates manage their policies.
    """

    def __init__(
        self, scope: Construct, id: str, *, boundary_name: str, iam_path: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        boundary = PlatformPermissionsBoundary(
            self, "PermissionsBoundary", policy_name=boundary_name, iam_path=iam_path
        )
        self.permissions_boundary = boundary.policy
        self.permissions_boundary_arn = boundary.policy_arn
