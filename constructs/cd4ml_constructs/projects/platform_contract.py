"""What the platform publishes for its ML projects, and how a project reads it back.

A project stack (declared in config) and a project created from a template in
SageMaker Projects hold no reference into the platform's stacks: the platform
writes the values projects need as SSM parameters under
``/cd4ml/<env>/platform/``, and projects resolve them when CloudFormation
deploys them (SSM parameter types). A platform update therefore never waits on
a project's exports, and a project comes and goes without touching the
platform's stacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm

from cd4ml_constructs.loop.naming import LoopNames
from constructs import Construct

# Parameter names below /cd4ml/<env>/platform/, by what they hold. The list is
# the contract: project stacks and templates read exactly these.
PARAMETERS: Mapping[str, str] = {
    "naming-prefix": "the environment's resource name prefix, cd4ml-<env>",
    "permissions-boundary-arn": "the permissions boundary every project role carries",
    "keys/artifacts-key-arn": "KMS key of model artifacts, job volumes and outputs, data capture",
    "keys/data-lake-key-arn": "KMS key of the data lake zones",
    "keys/messages-key-arn": "KMS key of topics, dead-letter queues and schedules",
    "keys/logs-key-arn": "KMS key of log groups",
    "buckets/artifacts-bucket-name": "model artifacts, pipeline artifacts and data capture",
    "buckets/raw-bucket-name": "raw zone: new data here asks for a retrain",
    "network/subnet-ids": "private subnets where jobs and endpoints run (StringList)",
    "network/workload-security-group-id": "security group of SageMaker jobs and endpoints",
    "network/vpc-id": "the VPC of the subnets, which project roles' network access names",
    "loop/retrain-trigger-arn": "the retrain trigger function (scheduled retrains)",
    "loop/drift-check-arn": "the drift check function (scheduled drift checks)",
    "topics/alarm-topic-arn": "the platform's alarm topic",
    "topics/approval-topic-arn": "where production deploys ask the approvers for a decision",
}
LIST_PARAMETERS = frozenset({"network/subnet-ids"})


def parameter_name(names: LoopNames, key: str) -> str:
    """``/cd4ml/<env>/platform/<key>`` for a key of :data:`PARAMETERS`."""
    if key not in PARAMETERS:
        raise KeyError(f"{key!r} is not a platform parameter; known: {sorted(PARAMETERS)}")
    return f"/cd4ml/{names.environment}/platform/{key}"


@dataclass(frozen=True)
class PlatformValues:
    """The platform's resources as a project sees them: typed objects, never ARN strings.

    Built by :func:`import_platform` in a project stack (from SSM) and by the
    platform's own tests from the real constructs.
    """

    prefix: str
    permissions_boundary: iam.IManagedPolicy
    artifacts_key: kms.IKey
    data_lake_key: kms.IKey
    messages_key: kms.IKey
    logs_key: kms.IKey
    artifacts_bucket: s3.IBucket
    raw_bucket: s3.IBucket
    subnet_ids: Sequence[str]
    vpc_id: str
    security_group_ids: Sequence[str]
    retrain_trigger: lambda_.IFunction
    drift_check: lambda_.IFunction
    alarm_topic: sns.ITopic
    approval_topic: sns.ITopic


class PlatformParameters(Construct):
    """Publishes the platform's values for projects as SSM parameters (``self.parameters``).

    :param names: the environment's naming contract.
    :param values: the platform's resources, from the platform's stacks.
    """

    def __init__(
        self, scope: Construct, id: str, *, names: LoopNames, values: PlatformValues
    ) -> None:
        super().__init__(scope, id)
        strings = {
            "naming-prefix": values.prefix,
            "permissions-boundary-arn": values.permissions_boundary.managed_policy_arn,
            "keys/artifacts-key-arn": values.artifacts_key.key_arn,
            "keys/data-lake-key-arn": values.data_lake_key.key_arn,
            "keys/messages-key-arn": values.messages_key.key_arn,
            "keys/logs-key-arn": values.logs_key.key_arn,
            "buckets/artifacts-bucket-name": values.artifacts_bucket.bucket_name,
            "buckets/raw-bucket-name": values.raw_bucket.bucket_name,
            "network/workload-security-group-id": cdk.Fn.join(",", list(values.security_group_ids)),
            "network/vpc-id": values.vpc_id,
            "loop/retrain-trigger-arn": values.retrain_trigger.function_arn,
            "loop/drift-check-arn": values.drift_check.function_arn,
            "topics/alarm-topic-arn": values.alarm_topic.topic_arn,
            "topics/approval-topic-arn": values.approval_topic.topic_arn,
        }
        self.parameters: dict[str, ssm.IParameter] = {}
        for key, value in strings.items():
            self.parameters[key] = ssm.StringParameter(
                self,
                _construct_id(key),
                parameter_name=parameter_name(names, key),
                description=f"CD4ML {names.environment}: {PARAMETERS[key]}",
                string_value=value,
                tier=ssm.ParameterTier.STANDARD,
            )
        self.parameters["network/subnet-ids"] = ssm.StringListParameter(
            self,
            _construct_id("network/subnet-ids"),
            parameter_name=parameter_name(names, "network/subnet-ids"),
            description=f"CD4ML {names.environment}: {PARAMETERS['network/subnet-ids']}",
            string_list_value=list(values.subnet_ids),
            tier=ssm.ParameterTier.STANDARD,
        )


def import_platform(scope: Construct, names: LoopNames) -> PlatformValues:
    """The platform's values inside a project stack, resolved from SSM at deploy time.

    Each value becomes a CloudFormation parameter of an SSM parameter type,
    which CloudFormation resolves on every deploy of the project; no export of
    the platform's stacks is referenced.
    """

    def value(key: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(scope, parameter_name(names, key))

    def key(id: str, parameter: str) -> kms.IKey:
        return kms.Key.from_key_arn(scope, id, value(parameter))

    artifacts_key = key("ArtifactsKey", "keys/artifacts-key-arn")
    data_lake_key = key("DataLakeKey", "keys/data-lake-key-arn")
    subnet_ids = ssm.StringListParameter.value_for_typed_list_parameter(
        scope, parameter_name(names, "network/subnet-ids")
    )
    return PlatformValues(
        prefix=names.prefix,
        permissions_boundary=iam.ManagedPolicy.from_managed_policy_arn(
            scope, "PermissionsBoundary", value("permissions-boundary-arn")
        ),
        artifacts_key=artifacts_key,
        data_lake_key=data_lake_key,
        messages_key=key("MessagesKey", "keys/messages-key-arn"),
        logs_key=key("LogsKey", "keys/logs-key-arn"),
        artifacts_bucket=s3.Bucket.from_bucket_attributes(
            scope,
            "ArtifactsBucket",
            bucket_name=value("buckets/artifacts-bucket-name"),
            encryption_key=artifacts_key,
        ),
        raw_bucket=s3.Bucket.from_bucket_attributes(
            scope,
            "RawBucket",
            bucket_name=value("buckets/raw-bucket-name"),
            encryption_key=data_lake_key,
        ),
        subnet_ids=subnet_ids,
        vpc_id=value("network/vpc-id"),
        security_group_ids=cdk.Fn.split(",", value("network/workload-security-group-id")),
        retrain_trigger=lambda_.Function.from_function_attributes(
            scope,
            "RetrainTrigger",
            function_arn=value("loop/retrain-trigger-arn"),
            same_environment=True,
        ),
        drift_check=lambda_.Function.from_function_attributes(
            scope,
            "DriftCheck",
            function_arn=value("loop/drift-check-arn"),
            same_environment=True,
        ),
        alarm_topic=sns.Topic.from_topic_arn(scope, "AlarmTopic", value("topics/alarm-topic-arn")),
        approval_topic=sns.Topic.from_topic_arn(
            scope, "ApprovalTopic", value("topics/approval-topic-arn")
        ),
    )


def workload_security_group(
    scope: Construct, id: str, *, vpc: ec2.IVpc, gateway_prefix_lists: Sequence[str] = ()
) -> ec2.SecurityGroup:
    """The security group of SageMaker jobs and endpoints: HTTPS to the VPC endpoints only.

    Jobs and endpoints reach AWS through the VPC's endpoints: interface
    endpoints inside the VPC CIDR, S3 through the gateway endpoint, whose
    prefix list (``gateway_prefix_lists``) is known in environments with a
    fixed region. Without it, HTTPS egress is open to any address: the
    platform's subnets have no route out of the VPC, so only the gateway
    endpoints are reachable beyond the CIDR. Distributed training talks to
    itself over this same group.
    """
    group = ec2.SecurityGroup(
        scope,
        id,
        vpc=vpc,
        description="CD4ML SageMaker jobs and endpoints: HTTPS to the VPC endpoints only",
        allow_all_outbound=False,
    )
    group.add_egress_rule(
        ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to interface endpoints"
    )
    for prefix_list in gateway_prefix_lists:
        group.add_egress_rule(
            ec2.Peer.prefix_list(prefix_list), ec2.Port.tcp(443), "HTTPS to a gateway endpoint"
        )
    if not gateway_prefix_lists:
        group.add_egress_rule(
            ec2.Peer.any_ipv4(),
            ec2.Port.tcp(443),
            "HTTPS to the S3 gateway endpoint; the subnets route nowhere else",
        )
    group.add_ingress_rule(group, ec2.Port.all_tcp(), "Distributed training within the group")
    group.add_egress_rule(group, ec2.Port.all_tcp(), "Distributed training within the group")
    return group


def _construct_id(key: str) -> str:
    return "".join(part.capitalize() for part in key.replace("/", "-").split("-"))


def drop_unused_parameter(stack: cdk.Stack, names: LoopNames, key: str) -> bool:
    """Remove the SSM-typed parameter :func:`import_platform` declared for ``key``.

    For a value the stack turned out not to use (cfn-lint W2001 reports an
    unused parameter); returns whether the stack declared one.
    """
    prefix = f"SsmParameterValue:{parameter_name(names, key).replace('/', '--')}:"
    for child in stack.node.children:
        if isinstance(child, cdk.CfnParameter) and child.node.id.startswith(prefix):
            return stack.node.try_remove_child(child.node.id)
    return False
