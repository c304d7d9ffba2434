"""A SageMaker managed MLflow tracking server with its artifacts in the platform's bucket."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker

from cd4ml_constructs.managed_policy_role import ManagedPolicyRole
from constructs import Construct


class MlflowTrackingServer(Construct):
    """Experiment tracking: which data, code version and parameters each run used.

    The server stores run metadata itself and artifacts in ``artifacts_bucket``
    under ``prefix`` (encrypted with the bucket's key). Its role may read and
    write that prefix only. Automatic registration of MLflow models in the
    SageMaker model registry is off: models enter the registry through the
    build pipeline, pending approval. The server holds the experiment
    history, so it is RETAINed; it bills by the hour while it runs (stop it
    with ``aws sagemaker stop-mlflow-tracking-server``).

    Exposes ``server``, ``arn`` and ``role``.

    :param tracking_server_name: the server's name (a contract: SDK users name it).
    :param artifacts_bucket: bucket for run artifacts.
    :param prefix: key prefix of the artifacts (default ``mlflow/``).
    :param size: ``Small``, ``Medium`` or ``Large`` (default ``Small``).
    :param weekly_maintenance_window_start: ``Ddd:HH:MM`` in UTC (default ``Sun:02:00``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tracking_server_name: str,
        artifacts_bucket: s3.IBucket,
        prefix: str = "mlflow/",
        size: str = "Small",
        weekly_maintenance_window_start: str = "Sun:02:00",
    ) -> None:
        super().__init__(scope, id)
        prefix = prefix.strip("/")
        self.role = ManagedPolicyRole(
            self,
            "ServerRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"MLflow tracking server {tracking_server_name}: its artifact prefix only",
            max_session_duration=cdk.Duration.hours(1),
        )
        self.role.grant_objects(
            artifacts_bucket,
            f"{prefix}/*",
            write=True,
            reason=f"MLflow run artifacts under the {prefix}/ prefix of the artifacts bucket.",
        )
        self.server = sagemaker.CfnMlflowTrackingServer(
            self,
            "Server",
            tracking_server_name=tracking_server_name,
            artifact_store_uri=artifacts_bucket.s3_url_for_object(prefix),
            role_arn=self.role.role_arn,
            tracking_server_size=size,
            weekly_maintenance_window_start=weekly_maintenance_window_start,
            automatic_model_registration=False,
        )
        # The role's policies attach from the policy side: the server waits
        # for them, not only for the role.
        for policy in self.role.policies.values():
            self.server.node.add_dependency(policy)
        self.server.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.arn = self.server.attr_tracking_server_arn
