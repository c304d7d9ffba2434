"""LoopStack: the CD4ML loop's functions, their event rules and alarms (stateless)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from cd4ml_constructs.loop import (
    EncryptedTopic,
    FunctionNetwork,
    LoopFunction,
    LoopNames,
    LoopTables,
    lapse_alarm,
    sdk_for_pandas_layer_arn,
)
from config.loop import LoopConfig
from constructs import Construct
from stacks.loop_events import (
    DEPLOY_APPROVAL_STATUSES,
    FINISHED_BUILD_STATUSES,
    GATE_APPROVAL_STATUSES,
    build_status_pattern,
    drift_alarm_pattern,
    model_package_pattern,
    raw_data_pattern,
)
from stacks.loop_grants import (
    DATA_CAPTURE_PREFIX,
    DRIFT_METRIC_NAMESPACE,
    DRIFT_REPORTS_PREFIX,
    LoopGrants,
)

__all__ = [
    "DATA_CAPTURE_PREFIX",
    "DEPLOY_APPROVAL_STATUSES",
    "DRIFT_METRIC_NAMESPACE",
    "DRIFT_REPORTS_PREFIX",
    "FINISHED_BUILD_STATUSES",
    "GATE_APPROVAL_STATUSES",
    "LOOP_METRIC_NAMESPACE",
    "LoopStack",
    "build_status_pattern",
    "drift_alarm_pattern",
    "model_package_pattern",
    "raw_data_pattern",
]

LOOP_METRIC_NAMESPACE = "CD4ML/Loop"


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
    :param endpoint_security_groups: the interface endpoints' security groups
        (the platform's, and an imported VPC's existing ones), the only interface
        destinations the functions may reach, with ``vpc``.
    :param xray_endpoint: the VPC has an X-Ray interface endpoint; without one,
        functions in the VPC run with tracing off (they could not deliver traces).
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
        endpoint_security_groups: Sequence[ec2.ISecurityGroup] = (),
        xray_endpoint: bool = False,
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
        self.network = self._network(loop, vpc, subnets, endpoint_security_groups)

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
            "tracing": self.network is None or xray_endpoint,
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
                "RESOURCE_PREFIX": names.prefix,
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
        grants = LoopGrants(stack=self, names=names)
        grants.retrain_trigger(self.retrain_trigger, tables=tables, raw_bucket=raw_bucket)
        grants.quality_gate(
            self.quality_gate,
            tables=tables,
            messages_key=messages_key,
            artifacts_bucket=artifacts_bucket,
        )
        grants.deploy_trigger(self.deploy_trigger, tables=tables, messages_key=messages_key)
        grants.drift_check(self.drift_check, artifacts_bucket=artifacts_bucket)
        self._add_rules(raw_bucket)
        self.lapsed_lease_alarm = lapse_alarm(
            self,
            "LapsedBuildLeasesAlarm",
            namespace=LOOP_METRIC_NAMESPACE,
            alarm_topic=self.alarm_topic,
            metric_name="LapsedBuildLeases",
            service="retrain-trigger",
            description="A project's build lease lapsed: a build run never reported its "
            "end (crashed, or its status event was lost); the next trigger went ahead",
        )
        self.lapsed_lock_alarm = lapse_alarm(
            self,
            "LapsedDeployLocksAlarm",
            namespace=LOOP_METRIC_NAMESPACE,
            alarm_topic=self.alarm_topic,
            metric_name="LapsedDeployLocks",
            service="deploy-trigger",
            description="A project's deploy lock lapsed: a deploy trigger invocation died "
            "or timed out while it held the lock; the next approval or rejection took it over",
        )

    # --- network ------------------------------------------------------------

    def _network(
        self,
        loop: LoopConfig,
        vpc: ec2.IVpc | None,
        subnets: ec2.SubnetSelection | None,
        endpoint_security_groups: Sequence[ec2.ISecurityGroup],
    ) -> FunctionNetwork | None:
        if not loop.functions_in_vpc:
            return None
        if vpc is None or subnets is None or not endpoint_security_groups:
            raise ValueError(
                "loop.functions_in_vpc needs vpc, subnets and endpoint_security_groups"
            )
        security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=vpc,
            description="CD4ML loop functions: HTTPS to the VPC endpoints only",
            allow_all_outbound=False,
        )
        for endpoint_security_group in endpoint_security_groups:
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
