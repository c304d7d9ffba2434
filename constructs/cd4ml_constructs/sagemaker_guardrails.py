"""Job-level SageMaker guardrails: explicit denies that keep every job in the VPC, on our keys.

Every role that may create SageMaker jobs, transforms, models, endpoint
configurations or notebook instances (the personas, the pipeline roles of
the project templates, build and deploy roles) carries the statements of
:func:`sagemaker_job_guardrail_statements`. They are Deny statements on
``*``, one condition key each, so no Allow anywhere (a later grant, a
managed policy, a session policy) can reopen what they close:

- ``sagemaker:VpcSubnets`` and ``sagemaker:VpcSecurityGroupIds`` present
  (``Null``) and every value among the platform's (``ForAnyValue:StringNotEquals``);
- ``sagemaker:VolumeKmsKey`` and ``sagemaker:OutputKmsKey`` present and one
  of the platform's keys, given by key ARN (``StringNotEquals``);
- ``sagemaker:InterContainerTrafficEncryption`` present and true (``Null``, ``Bool``);
- ``sagemaker:NetworkIsolation`` present and true for the kinds whose
  containers need nothing but their input channels (training, tuning,
  models); processing jobs keep the network of the VPC, since evaluation
  and data preparation steps call AWS APIs through its endpoints;
- notebook instances without direct internet access.

Each condition key is used only on the actions the AWS service
authorization reference lists it for (:data:`CONDITION_KEYS`), so a
statement never relies on a key an action does not carry (a ``Null`` test
on a key an action never has would deny that action outright).

Callers pass the key ARN (not a key id or alias) as ``VolumeKmsKey`` and
``OutputKmsKey``, and the subnet and security group ids in the job's
``VpcConfig``. The project templates get them from the platform's SSM
parameters (``keys/artifacts-key-arn``, ``network/subnet-ids``,
``network/workload-security-group-id``).

Use, on any role (here a project stack that reads the platform's values
from SSM; inside the platform, pass the objects themselves)::

    platform = f"/cd4ml/{environment}/platform"
    iam.ManagedPolicy(
        self,
        "SageMakerJobGuardrails",
        roles=[pipeline_role],
        statements=sagemaker_job_guardrail_statements(
            subnet_ids=ssm.StringListParameter.value_for_typed_list_parameter(
                self, f"{platform}/network/subnet-ids"
            ),
            security_group_ids=[
                ssm.StringParameter.value_for_string_parameter(
                    self, f"{platform}/network/workload-security-group-id"
                )
            ],
            kms_keys=[artifacts_key],  # kms.Key.from_key_arn(...) of keys/artifacts-key-arn
        ),
    )

Keep them in a managed policy of their own (about 4,500 of the 6,144 characters a
managed policy holds). Jobs started by that role then set, in SageMaker SDK
terms, ``NetworkConfig(subnets=..., security_group_ids=...,
enable_network_isolation=True, encrypt_inter_container_traffic=True)`` (no
isolation for processing jobs), ``volume_kms_key`` and ``output_kms_key``
to the key ARN.

A role that must never create SageMaker jobs (the loop's functions) takes
:func:`sagemaker_job_denial_statement` instead. The CD4ML rule
``SageMakerJobGuardrails`` fails synth for any policy that allows one of
:data:`GUARDED_ACTIONS` to a role without these denies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from constructs import Construct

VPC_SUBNETS = "sagemaker:VpcSubnets"
VPC_SECURITY_GROUPS = "sagemaker:VpcSecurityGroupIds"
VOLUME_KEY = "sagemaker:VolumeKmsKey"
OUTPUT_KEY = "sagemaker:OutputKmsKey"
INTER_CONTAINER_ENCRYPTION = "sagemaker:InterContainerTrafficEncryption"
NETWORK_ISOLATION = "sagemaker:NetworkIsolation"
DIRECT_INTERNET_ACCESS = "sagemaker:DirectInternetAccess"

# The condition keys each guarded action carries (service authorization
# reference, "Actions defined by Amazon SageMaker"), of those the guardrails test.
CONDITION_KEYS: Mapping[str, tuple[str, ...]] = {
    "sagemaker:CreateAutoMLJob": (
        VPC_SUBNETS,
        VPC_SECURITY_GROUPS,
        VOLUME_KEY,
        OUTPUT_KEY,
        INTER_CONTAINER_ENCRYPTION,
    ),
    "sagemaker:CreateEndpointConfig": (VOLUME_KEY,),
    "sagemaker:CreateHyperParameterTuningJob": (
        VPC_SUBNETS,
        VPC_SECURITY_GROUPS,
        VOLUME_KEY,
        OUTPUT_KEY,
        INTER_CONTAINER_ENCRYPTION,
        NETWORK_ISOLATION,
    ),
    "sagemaker:CreateModel": (VPC_SUBNETS, VPC_SECURITY_GROUPS, NETWORK_ISOLATION),
    "sagemaker:CreateNotebookInstance": (
        VPC_SUBNETS,
        VPC_SECURITY_GROUPS,
        VOLUME_KEY,
        DIRECT_INTERNET_ACCESS,
    ),
    "sagemaker:CreateProcessingJob": (
        VPC_SUBNETS,
        VPC_SECURITY_GROUPS,
        VOLUME_KEY,
        OUTPUT_KEY,
        INTER_CONTAINER_ENCRYPTION,
        NETWORK_ISOLATION,
    ),
    "sagemaker:CreateTrainingJob": (
        VPC_SUBNETS,
        VPC_SECURITY_GROUPS,
        VOLUME_KEY,
        OUTPUT_KEY,
        INTER_CONTAINER_ENCRYPTION,
        NETWORK_ISOLATION,
    ),
    "sagemaker:CreateTransformJob": (VOLUME_KEY, OUTPUT_KEY),
}
GUARDED_ACTIONS: tuple[str, ...] = tuple(sorted(CONDITION_KEYS))

# Job kinds that run with network isolation: their containers read their
# input channels and write their outputs, and call nothing.
NETWORK_ISOLATED_ACTIONS: tuple[str, ...] = (
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateTrainingJob",
)


def actions_with(key: str, *, among: Sequence[str] = GUARDED_ACTIONS) -> list[str]:
    """The guarded actions (of ``among``) that carry condition key ``key``, sorted."""
    return sorted(action for action in among if key in CONDITION_KEYS.get(action, ()))


def sagemaker_job_guardrail_statements(
    *,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    kms_keys: Sequence[kms.IKey],
    network_isolated: Sequence[str] = NETWORK_ISOLATED_ACTIONS,
) -> list[iam.PolicyStatement]:
    """The explicit denies that hold every SageMaker job to the platform's network and keys.

    :param subnet_ids: the only subnets jobs may run in (tokens allowed, e.g.
        from an SSM StringList parameter or another stack's subnets).
    :param security_group_ids: the only security groups jobs may carry.
    :param kms_keys: the keys a job's volumes and outputs may use (matched by
        key ARN).
    :param network_isolated: guarded actions that must ask for network
        isolation; default training, tuning and models.
    :returns: Deny statements on ``*``, one condition key each, with a Sid
        naming what each refuses.
    """
    if not subnet_ids or not security_group_ids or not kms_keys:
        raise ValueError("SageMaker job guardrails need subnets, security groups and keys")
    unknown = sorted(set(network_isolated) - set(actions_with(NETWORK_ISOLATION)))
    if unknown:
        raise ValueError(f"network isolation is no condition key of {', '.join(unknown)}")
    key_arns = [key.key_arn for key in kms_keys]
    isolated = sorted(network_isolated)
    denies: list[tuple[str, list[str], dict[str, dict[str, object]]]] = [
        ("NoJobsOutsideVpcSubnets", actions_with(VPC_SUBNETS), _missing(VPC_SUBNETS)),
        (
            "NoJobsInOtherSubnets",
            actions_with(VPC_SUBNETS),
            {"ForAnyValue:StringNotEquals": {VPC_SUBNETS: list(subnet_ids)}},
        ),
        (
            "NoJobsWithoutSecurityGroups",
            actions_with(VPC_SECURITY_GROUPS),
            _missing(VPC_SECURITY_GROUPS),
        ),
        (
            "NoJobsWithOtherSecurityGroups",
            actions_with(VPC_SECURITY_GROUPS),
            {"ForAnyValue:StringNotEquals": {VPC_SECURITY_GROUPS: list(security_group_ids)}},
        ),
        ("NoUnencryptedVolumes", actions_with(VOLUME_KEY), _missing(VOLUME_KEY)),
        (
            "NoVolumesWithOtherKeys",
            actions_with(VOLUME_KEY),
            {"StringNotEquals": {VOLUME_KEY: key_arns}},
        ),
        ("NoUnencryptedOutputs", actions_with(OUTPUT_KEY), _missing(OUTPUT_KEY)),
        (
            "NoOutputsWithOtherKeys",
            actions_with(OUTPUT_KEY),
            {"StringNotEquals": {OUTPUT_KEY: key_arns}},
        ),
        (
            "NoInterContainerTrafficUnstated",
            actions_with(INTER_CONTAINER_ENCRYPTION),
            _missing(INTER_CONTAINER_ENCRYPTION),
        ),
        (
            "NoInterContainerTrafficInClear",
            actions_with(INTER_CONTAINER_ENCRYPTION),
            {"Bool": {INTER_CONTAINER_ENCRYPTION: "false"}},
        ),
        ("NoNetworkIsolationUnstated", isolated, _missing(NETWORK_ISOLATION)),
        ("NoJobsWithoutNetworkIsolation", isolated, {"Bool": {NETWORK_ISOLATION: "false"}}),
        (
            "NoNotebooksWithInternetAccess",
            actions_with(DIRECT_INTERNET_ACCESS),
            {"StringNotEquals": {DIRECT_INTERNET_ACCESS: "Disabled"}},
        ),
    ]
    return [
        iam.PolicyStatement(
            sid=sid,
            effect=iam.Effect.DENY,
            actions=actions,
            resources=["*"],
            conditions=conditions,
        )
        for sid, actions, conditions in denies
        if actions
    ]


def sagemaker_job_denial_statement() -> iam.PolicyStatement:
    """One Deny of every guarded action, for roles that never create SageMaker jobs."""
    return iam.PolicyStatement(
        sid="NoSageMakerJobs",
        effect=iam.Effect.DENY,
        actions=list(GUARDED_ACTIONS),
        resources=["*"],
    )


def _missing(key: str) -> dict[str, dict[str, object]]:
    return {"Null": {key: "true"}}


def hold_to_job_guardrails(
    scope: Construct,
    id: str,
    *,
    subnet_ids: Sequence[str],
    security_group_ids: Sequence[str],
    kms_keys: Sequence[kms.IKey],
) -> iam.ManagedPolicy:
    """Attach the guardrail denies to every IAM role created under ``scope``, as one policy."""
    roles = [c for c in scope.node.find_all() if isinstance(c, iam.Role)]
    return iam.ManagedPolicy(
        scope,
        id,
        description="SageMaker jobs, models and endpoint configurations only in the "
        "platform's subnets and security groups, on its keys, encrypted, isolated",
        roles=roles,
        statements=sagemaker_job_guardrail_statements(
            subnet_ids=subnet_ids, security_group_ids=security_group_ids, kms_keys=kms_keys
        ),
    )
