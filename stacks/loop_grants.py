"""The permissions of the loop functions: each role holds exactly the actions its code calls."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop import LoopFunction, LoopNames, LoopTables

DRIFT_METRIC_NAMESPACE = "CD4ML/Drift"

_PREFIX_REASON = (
    "The {what}, by the environment's naming prefix (cd4ml-<env>-): projects are "
    "added without redeploying the loop, and the function acts only on names the "
    "project's policy lists."
)
# Where endpoints write data capture and the drift check writes its reports,
# under the artifacts bucket (see lambdas/drift_check/scheduled_check.py).
DATA_CAPTURE_PREFIX = "data-capture"
DRIFT_REPORTS_PREFIX = "drift-reports"


class LoopGrants:
    """Grants the loop functions' roles what their code calls, on the environment's names.

    :param stack: the stack whose partition, region and account the ARNs name.
    :param names: the environment's naming contract.
    """

    def __init__(self, *, stack: cdk.Stack, names: LoopNames) -> None:
        self.stack = stack
        self.names = names

    def _read_policies(self, function: LoopFunction) -> None:
        function.role.allow(
            sid="ReadProjectPolicies",
            actions=["ssm:GetParameter"],
            resources=[
                self.stack.format_arn(
                    service="ssm",
                    resource="parameter",
                    resource_name=f"{self.names.policy_parameter_prefix.strip('/')}/*",
                )
            ],
            reason="Every project's policy parameter, under the environment's policy prefix "
            "(/cd4ml/<env>/projects/); projects are added without redeploying the loop.",
        )

    def _use_tables(self, function: LoopFunction, tables: LoopTables, *, state: bool) -> None:
        record = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
        tables.idempotency.grant(function.role, *record, "dynamodb:DeleteItem")
        if state:
            tables.state.grant(function.role, *record, "dynamodb:DeleteItem")
        # The audit trail is append-only: a function can add a decision, never
        # change or remove one.
        tables.audit.grant(function.role, "dynamodb:PutItem")
        tables.encryption_key.grant(
            function.role, "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"
        )

    def _notify_projects(self, function: LoopFunction, messages_key: kms.IKey) -> None:
        function.role.allow(
            sid="NotifyProjectTeams",
            actions=["sns:Publish"],
            resources=[
                self.stack.format_arn(
                    service="sns",
                    resource=self.names.notification_topic("*"),
                    arn_format=cdk.ArnFormat.NO_RESOURCE_NAME,
                )
            ],
            reason="The notification topics of the environment's projects "
            "(cd4ml-<env>-<project>-notifications); the topic comes from the project's policy.",
        )
        messages_key.grant(function.role, "kms:Decrypt", "kms:GenerateDataKey")

    def _read_model_packages(self, function: LoopFunction, *, update: bool = False) -> None:
        actions = ["sagemaker:DescribeModelPackage"]
        if update:
            actions.append("sagemaker:UpdateModelPackage")
        function.role.allow(
            sid="ModelPackages",
            actions=actions,
            resources=[
                self.stack.format_arn(
                    service="sagemaker",
                    resource="model-package",
                    resource_name=f"{self.names.prefix}-*/*",
                )
            ],
            reason=_PREFIX_REASON.format(what="model package versions of the project groups"),
        )

    def _list_model_packages(self, function: LoopFunction) -> None:
        function.role.allow(
            sid="ListModelPackages",
            actions=["sagemaker:ListModelPackages"],
            resources=["*"],
            reason="sagemaker:ListModelPackages supports no resource-level permissions; the "
            "function lists only the group named in the project's policy.",
        )

    def retrain_trigger(
        self, function: LoopFunction, *, tables: LoopTables, raw_bucket: s3.IBucket
    ) -> None:
        function.role.allow(
            sid="StartBuildPipelines",
            actions=["sagemaker:StartPipelineExecution"],
            resources=[
                self.stack.format_arn(
                    service="sagemaker",
                    resource="pipeline",
                    resource_name=f"{self.names.prefix}-*",
                )
            ],
            reason=_PREFIX_REASON.format(what="model-build pipelines of the projects"),
        )
        function.role.allow(
            sid="ReadDriftAlarms",
            actions=["cloudwatch:DescribeAlarms"],
            resources=[
                self.stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name=self.names.drift_alarm("*"),
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            reason="A drift alarm remembered while its project was blocked is read again "
            "before the retrain it asked for starts; only the projects' drift alarms.",
        )
        self._read_policies(function)
        self._use_tables(function, tables, state=True)

    def quality_gate(
        self,
        function: LoopFunction,
        *,
        tables: LoopTables,
        messages_key: kms.IKey,
        artifacts_bucket: s3.IBucket,
    ) -> None:
        self._read_model_packages(function, update=True)
        self._list_model_packages(function)
        function.role.allow(
            sid="ReadEvaluationReports",
            actions=["s3:GetObject"],
            resources=[artifacts_bucket.arn_for_objects("*")],
            reason="Evaluation reports are written by each build run under its own prefix of "
            "the artifacts bucket; the model package names the report's key.",
        )
        if artifacts_bucket.encryption_key is not None:
            artifacts_bucket.encryption_key.grant(function.role, "kms:Decrypt")
        self._read_policies(function)
        self._use_tables(function, tables, state=False)
        self._notify_projects(function, messages_key)

    def deploy_trigger(
        self, function: LoopFunction, *, tables: LoopTables, messages_key: kms.IKey
    ) -> None:
        self._read_model_packages(function)
        self._list_model_packages(function)
        function.role.allow(
            sid="StartDeployPipelines",
            actions=["codepipeline:StartPipelineExecution"],
            resources=[
                self.stack.format_arn(
                    service="codepipeline",
                    resource=self.names.deploy_pipeline("*"),
                    arn_format=cdk.ArnFormat.NO_RESOURCE_NAME,
                )
            ],
            reason=_PREFIX_REASON.format(what="deploy pipelines of the projects"),
        )
        self._read_policies(function)
        self._use_tables(function, tables, state=True)
        self._notify_projects(function, messages_key)

    def drift_check(self, function: LoopFunction, *, artifacts_bucket: s3.IBucket) -> None:
        function.role.allow(
            sid="ReadCaptureAndBaselines",
            actions=["s3:GetObject"],
            resources=[artifacts_bucket.arn_for_objects("*")],
            reason="Data capture (data-capture/<endpoint>/) and baselines (written by each "
            "build run under its own prefix) are read across the artifacts bucket.",
        )
        function.role.allow(
            sid="ListCapture",
            actions=["s3:ListBucket"],
            resources=[artifacts_bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{DATA_CAPTURE_PREFIX}/*"]}},
        )
        function.role.allow(
            sid="WriteDriftReports",
            actions=["s3:PutObject"],
            resources=[artifacts_bucket.arn_for_objects(f"{DRIFT_REPORTS_PREFIX}/*")],
            reason="Drift reports, one object per project, endpoint and scheduled time, "
            "under the drift-reports/ prefix only.",
        )
        if artifacts_bucket.encryption_key is not None:
            artifacts_bucket.encryption_key.grant(
                function.role, "kms:Decrypt", "kms:GenerateDataKey"
            )
        self._read_model_packages(function)
        function.role.allow(
            sid="PublishDriftMetrics",
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            reason="cloudwatch:PutMetricData supports no resource-level permissions; the "
            "statement is limited to the CD4ML/Drift namespace.",
            conditions={"StringEquals": {"cloudwatch:namespace": DRIFT_METRIC_NAMESPACE}},
        )
