"""What every loop function builds at cold start, and the way it takes one event through.

The retrain trigger, the quality gate and the deploy trigger read the same
settings, log and count under their own service name, read project policies
and write the audit trail with the same clients, and keep one idempotency
record per event id under their own key prefix. Each ``handler.py`` builds a
``FunctionRuntime`` at import time and gets its Lambda entry point from
``FunctionRuntime.lambda_handler``, given the two things that are its own: how
to read its events and what to decide. Clients are created on first use
(``FunctionRuntime.client``), from one botocore session, so a cold start pays
only for the clients the event needs.

``handle`` takes an event through the same steps in every function: the
envelope is checked, the function reads the event, an event that needs no
action is ignored, a project without a policy is dropped, and the decision is
taken once per event id. A refused event is answered, never raised; any other
error is logged, counted and re-raised so that Lambda retries the event.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics

from loop_common.audit import AuditTrail
from loop_common.aws_clients import LazyClients
from loop_common.events import (
    DropReason,
    EventEnvelope,
    EventRejected,
    NotActionable,
    accept_envelope,
    check_event_age,
    own_account_id,
)
from loop_common.idempotency import DecisionInProgress, EventIdempotency
from loop_common.naming import ResourceNames
from loop_common.observability import (
    REPLAYED_FLAG,
    report_dropped,
    report_failure,
    report_ignored,
    report_response,
)
from loop_common.outcome import Decision, Outcome
from loop_common.package_events import ModelPackageChange
from loop_common.policy import PolicyReader, ProjectPolicy, check_topic_account
from loop_common.redrive import REDRIVE_REQUESTED, Redrive, read_redrive, record_redrive
from loop_common.settings import MAX_EVENT_AHEAD_SECONDS, LoopSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from botocore.client import BaseClient

DEFAULT_METRICS_NAMESPACE = "CD4ML"


class ProjectEvent(Protocol):
    """An event a function has read and will decide on: it concerns one project."""

    @property
    def project(self) -> str:
        """The project the event concerns."""
        ...


Request = TypeVar("Request", bound=ProjectEvent)
Request_contra = TypeVar("Request_contra", bound=ProjectEvent, contravariant=True)


class Decide(Protocol[Request_contra]):
    """A function's decision on one event it has read, under the project's policy."""

    def __call__(
        self, *, event: dict[str, Any], request: Request_contra, policy: ProjectPolicy
    ) -> dict[str, Any]: ...


DecideFunction = TypeVar("DecideFunction", bound=Callable[..., dict[str, Any]])


def log_keys(request: ProjectEvent) -> dict[str, str]:
    """The keys every later log line of the invocation carries."""
    keys = {"project": request.project}
    if isinstance(request, ModelPackageChange):
        keys["model_package_arn"] = request.package_arn
    return keys


@dataclass(frozen=True)
class FunctionRuntime:
    """The settings, clients and Powertools utilities of one loop function.

    Attributes:
        function_name: ``retrain-trigger``, ``quality-gate`` or ``deploy-trigger``:
            the Powertools service name and the idempotency key prefix.
        settings: the environment, checked once.
        names: resource names derived from ``RESOURCE_PREFIX``.
        logger: the Powertools logger of the function.
        metrics: the Powertools metrics of the function.
        clients: the function's clients, each created on first use.
        ssm: the SSM client the policies are read with.
        dynamodb: the DynamoDB client of the audit trail, the idempotency records
            and (for the functions that keep state) the state table.
        policies: the project policies, cached per warm container.
        audit: the audit trail.
        idempotency: the records in ``IDEMPOTENCY_TABLE`` that answer a redelivered
            event, keyed on the event ``id``; Powertools' idempotency utility is
            loaded when the first event reaches a decision.
    """

    function_name: str
    settings: LoopSettings
    names: ResourceNames
    logger: Logger
    metrics: Metrics
    clients: LazyClients
    ssm: BaseClient
    dynamodb: BaseClient
    policies: PolicyReader
    audit: AuditTrail
    idempotency: EventIdempotency

    @classmethod
    def from_environ(cls, function_name: str) -> FunctionRuntime:
        """Read the settings and build the clients, as a function does at cold start.

        Raises:
            SettingsError: a variable is missing or malformed.
        """
        settings = LoopSettings.from_environ()
        names = ResourceNames(settings.resource_prefix)
        clients = LazyClients()
        ssm = clients.client("ssm")
        dynamodb = clients.client("dynamodb")
        return cls(
            function_name=function_name,
            settings=settings,
            names=names,
            logger=Logger(service=function_name),
            metrics=Metrics(
                namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_METRICS_NAMESPACE),
                service=function_name,
            ),
            clients=clients,
            ssm=ssm,
            dynamodb=dynamodb,
            policies=PolicyReader(
                ssm=ssm,
                parameter_prefix=settings.policy_parameter_prefix,
                names=names,
                cache_seconds=settings.policy_cache_seconds,
            ),
            audit=AuditTrail(dynamodb=dynamodb, table_name=settings.audit_table),
            idempotency=EventIdempotency(
                table_name=settings.idempotency_table, dynamodb=dynamodb, key_prefix=function_name
            ),
        )

    @property
    def persistence_store(self) -> DynamoDBPersistenceLayer:
        """The Powertools persistence layer of the idempotency records (loaded now)."""
        return self.idempotency.persistence_store

    def client(self, service: str) -> BaseClient:
        """The function's client of ``service``, created on its first call."""
        return self.clients.client(service)

    def lambda_handler(
        self,
        *,
        read: Callable[[EventEnvelope], Request | NotActionable],
        decide: Decide[Request],
    ) -> Callable[[Any, LambdaContext], dict[str, Any]]:
        """The function's Lambda entry point: ``handle`` with Powertools logs and metrics.

        ``decide`` is wrapped by ``once_per_event``; every log line carries the
        event id as its correlation id, and the metrics are flushed once per
        invocation.
        """
        decide_once = self.once_per_event(decide)

        @self.metrics.log_metrics
        @self.logger.inject_lambda_context(correlation_id_path="id", clear_state=True)
        def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
            return self.handle(event, context, read=read, decide=decide_once)

        return handler

    def once_per_event(self, decide: DecideFunction) -> DecideFunction:
        """Run ``decide`` once per event id; a redelivery gets the first answer back.

        ``decide`` takes the event as its ``event`` keyword argument. Its records
        are keyed ``<function name>#<hash of the event id>``; a different prefix
        would orphan the records already written.
        """
        return self.idempotency.once_per_event(decide)

    def handle(
        self,
        event: Any,
        context: LambdaContext,
        *,
        read: Callable[[EventEnvelope], Request | NotActionable],
        decide: Decide[Request],
    ) -> dict[str, Any]:
        """Take one event through the function: refuse, ignore or decide, and report it.

        Args:
            event: the event as Lambda passes it.
            context: the Lambda context.
            read: reads the function's event from a checked envelope; raises
                ``EventRejected`` for junk, returns ``NotActionable`` when there
                is nothing to do.
            decide: takes the decision, once per event id (see ``once_per_event``).

        Returns:
            The response: ``dropped``, ``ignored`` or the decision taken.
        """
        now = datetime.now(UTC)
        redrive: Redrive | None = None
        try:
            account = own_account_id(
                self.settings.platform_account_id, context.invoked_function_arn
            )
            envelope = accept_envelope(event, account, self.settings.region)
            check_event_age(
                envelope,
                now=now,
                max_age_seconds=self.settings.max_event_age_seconds,
                max_ahead_seconds=MAX_EVENT_AHEAD_SECONDS,
            )
            if envelope.kind == REDRIVE_REQUESTED:
                redrive = read_redrive(envelope, account, self.settings.region)
                event, envelope = redrive.event, redrive.envelope
            request = read(envelope)
            if isinstance(request, NotActionable):
                return report_ignored(
                    request, project=request.project, logger=self.logger, metrics=self.metrics
                )
            policy = self.policies.policy_for(request.project)
            if policy is None:
                raise EventRejected(
                    DropReason.UNKNOWN_PROJECT, f"no policy for project {request.project!r}"
                )
            check_topic_account(policy, account)
        except EventRejected as rejection:
            return report_dropped(rejection, logger=self.logger, metrics=self.metrics)
        except Exception as error:
            report_failure(error, logger=self.logger, metrics=self.metrics)
            raise
        self.logger.append_keys(**log_keys(request))
        try:
            if redrive is not None:
                record_redrive(
                    redrive,
                    project=request.project,
                    function=self.function_name,
                    audit=self.audit,
                    now=now,
                )
            self.idempotency.register_lambda_context(context)
            response = decide(event=event, request=request, policy=policy)
        except DecisionInProgress:
            # A concurrent copy of this very event is being decided: not a failure.
            response = Outcome(
                Decision.DUPLICATE_IN_PROGRESS,
                "a copy of this event is being handled at the same moment",
                project=request.project,
            ).as_response()
            response[REPLAYED_FLAG] = True
        except Exception as error:
            report_failure(error, logger=self.logger, metrics=self.metrics)
            raise
        report_response(response, logger=self.logger, metrics=self.metrics)
        return response
