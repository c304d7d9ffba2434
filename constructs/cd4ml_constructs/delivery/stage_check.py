"""StageCheck: the post-deploy check of one environment, as a pipeline step."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

# Run from the repository root (the pipeline's source), in CodeBuild.
CHECK_SCRIPT = "constructs/cd4ml_constructs/delivery/check_stage.sh"


class StageCheck:
    """What to check once an environment's stacks deployed, and how to read it.

    The step reads the stage's outputs (the Studio domain id, when the stage
    has Studio) and, through the target account's CDK lookup role (read-only,
    trusted by the tooling account at bootstrap), checks that the domain is
    InService and that every rule of the loop stack is enabled
    (``check_stage.sh``).

    :param environment: the environment name.
    :param loop_stack_name: the CloudFormation name of the loop stack.
    :param lookup_role_arn: the target account's CDK lookup role.
    :param region: the environment's region (the checks call its APIs there).
    :param studio_domain_id: the stage's ``DomainId`` output, if it has Studio.
    :param role: the CodeBuild role the checks run as.
    """

    def __init__(
        self,
        *,
        environment: str,
        loop_stack_name: str,
        lookup_role_arn: str,
        region: str,
        studio_domain_id: cdk.CfnOutput | None,
        role: iam.IRole,
    ) -> None:
        self.environment = environment
        self.loop_stack_name = loop_stack_name
        self.lookup_role_arn = lookup_role_arn
        self.region = region
        self.studio_domain_id = studio_domain_id
        self.role = role

    def step(self, *, input: pipelines.IFileSetProducer) -> pipelines.CodeBuildStep:
        """The CodeBuild step that runs the check with the repository as input."""
        outputs = {"STUDIO_DOMAIN_ID": self.studio_domain_id} if self.studio_domain_id else {}
        return pipelines.CodeBuildStep(
            f"Check-{self.environment}",
            input=input,
            commands=[f"bash {CHECK_SCRIPT}"],
            env={
                "ENVIRONMENT": self.environment,
                "LOOP_STACK": self.loop_stack_name,
                "CHECK_ROLE_ARN": self.lookup_role_arn,
                "TARGET_REGION": self.region,
            },
            env_from_cfn_outputs=outputs,
            role=self.role,
        )
