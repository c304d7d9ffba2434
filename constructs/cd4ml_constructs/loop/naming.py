"""The loop's naming contract, as the CDK app derives it.

The loop functions read these names backwards (``lambdas/loop_common/naming.py``)
to find which project an event is about, and their policies refuse any other
name, so the names are contracts derived from config, never free choices.
"""

from __future__ import annotations

from dataclasses import dataclass

# Stage and action of each deploy pipeline where a person approves production;
# the model approver persona's PutApprovalResult grant names it.
PRODUCTION_APPROVAL = "ApproveProduction"


@dataclass(frozen=True)
class LoopNames:
    """Names of one environment's loop resources.

    Attributes:
        environment: the environment's name, e.g. ``sandbox``.
    """

    environment: str

    @property
    def prefix(self) -> str:
        """``cd4ml-<env>``: the ``RESOURCE_PREFIX`` of the loop functions."""
        return f"cd4ml-{self.environment}"

    @property
    def policy_parameter_prefix(self) -> str:
        """``/cd4ml/<env>/projects/``: where project policies live in Parameter Store."""
        return f"/cd4ml/{self.environment}/projects/"

    def policy_parameter(self, project: str) -> str:
        """The SSM parameter of a project's policy."""
        return f"{self.policy_parameter_prefix}{project}"

    def model_package_group(self, project: str) -> str:
        """``cd4ml-<env>-<project>``."""
        return f"{self.prefix}-{project}"

    def build_pipeline(self, project: str) -> str:
        """``cd4ml-<env>-<project>-build``: the SageMaker model-build pipeline."""
        return f"{self.prefix}-{project}-build"

    def deploy_pipeline(self, project: str) -> str:
        """``cd4ml-<env>-<project>-deploy``: the model-deploy CodePipeline."""
        return f"{self.prefix}-{project}-deploy"

    def drift_alarm(self, project: str) -> str:
        """``cd4ml-<env>-<project>-drift``: the drift alarm."""
        return f"{self.prefix}-{project}-drift"

    def notification_topic(self, project: str) -> str:
        """``cd4ml-<env>-<project>-notifications``: the project team's SNS topic."""
        return f"{self.prefix}-{project}-notifications"

    def default_endpoint(self, project: str) -> str:
        """``cd4ml-<env>-<project>-prod``: the production endpoint a deploy creates by default."""
        return f"{self.prefix}-{project}-prod"

    def raw_prefix(self, project: str) -> str:
        """``<project>/``: the project's key prefix in the raw zone bucket."""
        return f"{project}/"
