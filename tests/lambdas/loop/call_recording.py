"""Lambda contexts and a recorder of the API calls the loop handlers' clients make."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .loop_constants import ACCOUNT, REGION

MUTATING_OPERATIONS = frozenset(
    {
        "StartPipelineExecution",
        "UpdateModelPackage",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "Publish",
    }
)


@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context the handlers and Powertools read."""

    function_name: str = "loop-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:loop-function"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        """Time left in the invocation."""
        return 60_000


@dataclass
class RecordedCall:
    """One API call a client was about to make, with its parameters."""

    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallRecorder:
    """Records the API calls made through a set of clients (botocore event hook)."""

    calls: list[RecordedCall] = field(default_factory=list)

    def attach(self, client: Any) -> None:
        """Start recording the calls of ``client``."""
        client.meta.events.register("before-parameter-build", self._record)

    def detach(self, client: Any) -> None:
        """Stop recording the calls of ``client``."""
        client.meta.events.unregister("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append(
            RecordedCall(model.service_model.service_name, model.name, copy.deepcopy(params))
        )

    def mutations(self) -> list[RecordedCall]:
        """The calls that would change something in AWS."""
        return [call for call in self.calls if call.operation in MUTATING_OPERATIONS]

    def of(self, service: str, operation: str) -> list[RecordedCall]:
        """The recorded calls of one operation."""
        return [c for c in self.calls if c.service == service and c.operation == operation]


def handler_clients(module: Any) -> list[Any]:
    """Every boto3 client a handler module may use, the idempotency layer's included.

    The handlers create their clients on first use; asking for them here creates them.
    """
    names = ("sagemaker", "s3", "sns", "dynamodb", "ssm", "codepipeline")
    return [module.runtime.clients.created(name) for name in names]
