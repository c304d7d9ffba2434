"""LoopStack: the CD4ML loop's functions, their event rules and alarms (stateless)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop import (
    EncryptedTopic,
    FunctionNetwork,
    LoopFunction,
    LoopNames,
    LoopTables,
    sdk_for_pandas_layer_arn,
)
from config.loop import LoopConfig
from constructs import Construct

LOOP_METRIC_NAMESPACE = "CD4ML/Loop"
DRIFT_METRIC_NAMESPACE = "CD4ML/Drift"

# Approval states each function acts on (SageMaker Model Package State Change).
GATE_APPROVAL_STATUSES = ("PendingManualApproval",)
DEPLOY_APPROVAL_STATUSES = ("Approved", "Rejected")
FINISHED_BUILD_STATUSES = ("Succeeded", "Failed", "Stopped")

_PREFIX_REASON = (
    "The {what}, by the environment's naming prefix (cd4ml-<env>-): projects are "
    "added without redeploying the loop, and the function acts only on names the "
    "project's policy lists."
)
# Where endpoints write data capture and the drift check writes its reports,
# under the artifacts bucket (see lambdas/drift_check/scheduled_check.py).
DATA_CAPTURE_PREFIX = "data-capture"
DRIFT_REPORTS_PREFIX = "drift-reports"


def drift_alarm_pattern(names: LoopNames) -> dict[str, Any]:
    """A drift alarm of the environment entering ALARM."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"wildcard": f"{names.prefix}-*-drift"}],
            "state": {"value": ["ALARM"]},
        },
    }


def raw_data_pattern(raw_bucket_name: str) -> dict[str, Any]:
    """A new object in the raw zone bucket."""
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [raw_bucket_name]}},
    }


def build_status_pattern(names: LoopNames) -> dict[str, Any]:
    """A model-build pipeline run of the environment's projects that has ended."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
        "detail": {
            "currentPipelineExecutionStatus": list(FINISHED_BUILD_STATUSES),
            "pipelineArn": [{"wildcard": f"arn:*:sagemaker:*:*:pipeline/{names.prefix}-*-build"}],
        },
    }


def model_package_pattern(names: LoopNames, statuses: tuple[str, ...]) -> dict[str, Any]:
    """A model package of the environment's groups reaching one of ``statuses``."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {
            "ModelPackageGroupName": [{"prefix": f"{names.prefix}-"}],
            "ModelApprovalStatus": list(statuses),
        },
    }


class LoopStack(cdk.Stack):
    """The platform-wide half of the CD4ML loop, one per environment.

    Four functions (:class:`LoopFunction`): the retrain trigger, the quality
    gate and the deploy trigger, invoked by EventBridge rules on the default
    bus, and the drift check, invoked by each project's schedule. A platform
    alarm topic (``alarm_topic``) receives every function's error alarm, every
    dead-letter queue's depth alarm and the projects' drift alarms. Each
    function's role holds exactly the actions its code calls.

    :param names: the environment's naming contract.
    :param loop: the loop settings of the environment.
    :param log_retention_days: retention of the functions' log groups.
    :param tables: the loop's tables (``LoopStateStack``).
    :param messages_key: key of topics and dead-letter queues.
    :param logs_key: key of the log groups.
    :param raw_bucket: the raw zone bucket (new data asks for a retrain).
    :param artifacts_bucket: model artifacts, evaluation reports, data capture
        and drift reports.
    :param vpc: the VPC, used when ``loop.functions_in_vpc``.
    :param subnets: the workload subnets, with ``vpc``.
    :param endpoint_security_group: the interface endpoints' security group,
        the only interface destination the functions may reach, with ``vpc``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        names: LoopNames,
        loop: LoopConfig,
        log_retention_days: int,
        tables: LoopTables,
        messages_key: kms.IKey,
        logs_key: kms.IKey,
        raw_bucket: s3.IBucket,
        artifacts_bucket: s3.IBucket,
        vpc: ec2.IVpc | None = None,
        subnets: ec2.SubnetSelection | None = None,
        endpoint_security_group: ec2.ISecurityGroup | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.names = names
        self.alarm_topic = EncryptedTopic(
            self,
            "AlarmTopic",
            master_key=messages_key,
            display_name=f"CD4ML {names.environment} alarms",
            email_addresses=[loop.alarm_email] if loop.alarm_email else [],
            allow_cloudwatch_alarms=True,
        ).topic
        self.network = self._network(loop, vpc, subnets, endpoint_security_group)

        common_environment = {
            "RESOURCE_PREFIX": names.prefix,
            "POLICY_PARAMETER_PREFIX": names.policy_parameter_prefix,
            "IDEMPOTENCY_TABLE": tables.idempotency.table_name,
            "STATE_TABLE": tables.state.table_name,
            "AUDIT_TABLE": tables.audit.table_name,
            "RAW_BUCKET_NAME": raw_bucket.bucket_name,
            "POWERTOOLS_METRICS_NAMESPACE": LOOP_METRIC_NAMESPACE,
        }
        shared: dict[str, Any] = {
            "logs_key": logs_key,
            "log_retention_days": log_retention_days,
            "messages_key": messages_key,
            "alarm_topic": self.alarm_topic,
            "network": self.network,
        }
        concurrency = loop.reserved_concurrency

        self.retrain_trigger = LoopFunction(
            self,
            "RetrainTrigger",
            folder="retrain_trigger",
            description="Starts a project's model-build pipeline on drift, new data or schedule",
            environment={
                **common_environment,
                "POWERTOOLS_SERVICE_NAME": "retrain-trigger",
                "LEASE_SECONDS": str(loop.build_lease_minutes * 60),
            },
            reserved_concurrency=concurrency.retrain_trigger,
            **shared,
        )
        self.quality_gate = LoopFunction(
            self,
            "QualityGate",
            folder="quality_gate",
            description="Approves, holds or rejects a registered model against its policy",
            environment={**common_environment, "POWERTOOLS_SERVICE_NAME": "quality-gate"},
            reserved_concurrency=concurrency.quality_gate,
            **shared,
        )
        self.deploy_trigger = LoopFunction(
            self,
            "DeployTrigger",
            folder="deploy_trigger",
            description="Starts a project's deploy pipeline for an approved or rejected model",
            environment={**common_environment, "POWERTOOLS_SERVICE_NAME": "deploy-trigger"},
            reserved_concurrency=concurrency.deploy_trigger,
            **shared,
        )
        self.drift_check = LoopFunction(
            self,
            "DriftCheck",
            folder="drift_check",
            description="Computes a deployed model's data drift and publishes drift metrics",
            environment={
                "REPORT_BUCKET": artifacts_bucket.bucket_name,
                "REPORT_KMS_KEY_ID": _key_arn(artifacts_bucket),
                "DRIFT_METRIC_NAMESPACE": DRIFT_METRIC_NAMESPACE,
                "POWERTOOLS_SERVICE_NAME": "drift-check",
            },
            shared_packages=(),
            extra_layers=[sdk_for_pandas_layer_arn(self)],
            memory_size=1024,
            timeout=cdk.Duration.minutes(5),
            reserved_concurrency=concurrency.drift_check,
            **shared,
        )

        self._grant_retrain_trigger(tables, raw_bucket)
        self._grant_quality_gate(tables, messages_key, artifacts_bucket)
        self._grant_deploy_trigger(tables, messages_key)
        self._grant_drift_check(artifacts_bucket)
        self._add_rules(raw_bucket)
        self.lapsed_lease_alarm = self._lapsed_lease_alarm()

    def _lapsed_lease_alarm(self) -> cloudwatch.Alarm:
        """A build lease nobody released lapsed: a build run never reported its end."""
        alarm = cloudwatch.Alarm(
            self,
            "LapsedBuildLeasesAlarm",
            alarm_description="A project's build lease lapsed: a build run never reported its "
            "end (crashed, or its status event was lost); the next trigger went ahead",
            metric=cloudwatch.Metric(
                namespace=LOOP_METRIC_NAMESPACE,
                metric_name="LapsedBuildLeases",
                dimensions_map={"service": "retrain-trigger"},
                period=cdk.Duration.minutes(5),
                statistic="Sum",
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        action = cloudwatch_actions.SnsAction(self.alarm_topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    # --- network ------------------------------------------------------------

    def _network(
        self,
        loop: LoopConfig,
        vpc: ec2.IVpc | None,
        subnets: ec2.SubnetSelection | None,
        endpoint_security_group: ec2.ISecurityGroup | None,
    ) -> FunctionNetwork | None:
        if not loop.functions_in_vpc:
            return None
        if vpc is None or subnets is None or endpoint_security_group is None:
            raise ValueError("loop.functions_in_vpc needs vpc, subnets and endpoint_security_group")
        security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=vpc,
            description="CD4ML loop functions: HTTPS to the VPC endpoints only",
            allow_all_outbound=False,
        )
        security_group.add_egress_rule(
            ec2.Peer.security_group_id(endpoint_security_group.security_group_id),
            ec2.Port.tcp(443),
            "HTTPS to the interface endpoints",
        )
        for prefix_list in loop.egress_prefix_lists:
            security_group.add_egress_rule(
                ec2.Peer.prefix_list(prefix_list),
                ec2.Port.tcp(443),
                "HTTPS to a gateway endpoint (S3, DynamoDB)",
            )
        return FunctionNetwork(vpc=vpc, subnets=subnets, security_group=security_group)

    # --- permissions ----------------------------------------------------------

    def _read_policies(self, function: LoopFunction) -> None:
        function.role.allow(
            sid="ReadProjectPolicies",
            actions=["ssm:GetParameter"],
            resources=[
                self.format_arn(
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
                self.format_arn(
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
                self.format_arn(
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

    def _grant_retrain_trigger(self, tables: LoopTables, raw_bucket: s3.IBucket) -> None:
        function = self.retrain_trigger
        function.role.allow(
            sid="StartBuildPipelines",
            actions=["sagemaker:StartPipelineExecution"],
            resources=[
                self.format_arn(
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
                self.format_arn(
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

    def _grant_quality_gate(
        self, tables: LoopTables, messages_key: kms.IKey, artifacts_bucket: s3.IBucket
    ) -> None:
        function = self.quality_gate
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

    def _grant_deploy_trigger(self, tables: LoopTables, messages_key: kms.IKey) -> None:
        function = self.deploy_trigger
        self._read_model_packages(function)
        self._list_model_packages(function)
        function.role.allow(
            sid="StartDeployPipelines",
            actions=["codepipeline:StartPipelineExecution"],
            resources=[
                self.format_arn(
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

    def _grant_drift_check(self, artifacts_bucket: s3.IBucket) -> None:
        function = self.drift_check
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

    # --- rules ----------------------------------------------------------------

    def _add_rules(self, raw_bucket: s3.IBucket) -> None:
        names = self.names
        self.retrain_trigger.add_event_rule(
            "DriftAlarmRule",
            description=f"A drift alarm of {names.prefix} enters ALARM",
            event_pattern=drift_alarm_pattern(names),
        )
        self.retrain_trigger.add_event_rule(
            "RawDataRule",
            description="New data lands in the raw zone",
            event_pattern=raw_data_pattern(raw_bucket.bucket_name),
        )
        self.retrain_trigger.add_event_rule(
            "BuildRunEndedRule",
            description="A model-build pipeline run ends (releases the project's build lease)",
            event_pattern=build_status_pattern(names),
        )
        self.quality_gate.add_event_rule(
            "PendingApprovalRule",
            description=f"A model package of {names.prefix} awaits a decision",
            event_pattern=model_package_pattern(names, GATE_APPROVAL_STATUSES),
        )
        self.deploy_trigger.add_event_rule(
            "ApprovalDecisionRule",
            description=f"A model package of {names.prefix} is approved or rejected",
            event_pattern=model_package_pattern(names, DEPLOY_APPROVAL_STATUSES),
        )


def _key_arn(bucket: s3.IBucket) -> str:
    if bucket.encryption_key is None:
        raise ValueError("the artifacts bucket must be encrypted with a customer-managed key")
    return bucket.encryption_key.key_arn
