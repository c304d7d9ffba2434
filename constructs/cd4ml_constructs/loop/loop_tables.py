"""The loop's DynamoDB tables: idempotency records, working state and the audit trail."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms

from cd4ml_constructs.compliance import acknowledge
from constructs import Construct


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class LoopTables(Construct):
    """The three tables the loop functions share, each encrypted with ``encryption_key``.

    * ``idempotency``: Powertools idempotency records, partition key ``id``,
      TTL ``expiration`` (a day of event ids).
    * ``state``: leases, cooldowns and deployed versions, ``pk``/``sk``, TTL
      ``expires_at``; deletion protection (it says which model is deployed).
    * ``audit``: one item per decision, ``project``/``decision_id``; deletion
      protection, never expires.

    All are on-demand, with point-in-time recovery, and RETAIN.

    :param encryption_key: customer-managed key of the three tables.
    """

    def __init__(self, scope: Construct, id: str, *, encryption_key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.encryption_key = encryption_key
        self.idempotency = self._table(
            "IdempotencyTable",
            partition_key=_string("id"),
            time_to_live_attribute="expiration",
            deletion_protection=False,
        )
        acknowledge(
            self.idempotency.node.default_child,  # type: ignore[arg-type]
            "Idempotency records live for a day and can be rebuilt from redelivered "
            "events; point-in-time recovery covers the table, a backup plan would keep "
            "nothing of value.",
            "HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan",
            "NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan",
        )
        self.state = self._table(
            "StateTable",
            partition_key=_string("pk"),
            sort_key=_string("sk"),
            time_to_live_attribute="expires_at",
            deletion_protection=True,
        )
        self.audit = self._table(
            "AuditTable",
            partition_key=_string("project"),
            sort_key=_string("decision_id"),
            deletion_protection=True,
        )

    def _table(
        self,
        id: str,
        *,
        partition_key: dynamodb.Attribute,
        sort_key: dynamodb.Attribute | None = None,
        time_to_live_attribute: str | None = None,
        deletion_protection: bool,
    ) -> dynamodb.Table:
        return dynamodb.Table(
            self,
            id,
            partition_key=partition_key,
            sort_key=sort_key,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=time_to_live_attribute,
            deletion_protection=deletion_protection,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
