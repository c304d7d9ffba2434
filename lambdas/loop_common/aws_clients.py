"""The loop functions' AWS clients: one botocore session, each client made on first use.

Importing a handler then costs the module loads only: botocore's session and
client modules (about a third of a cold start) load with the first client, an
event that is dropped before any AWS call creates no client at all, and a
function creates only the clients its events use. Creation is guarded by a lock
so that concurrent first uses (threads in tests, or a handler that fans out)
share one client.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import botocore.session
    from botocore.client import BaseClient

# Standard retry mode: throttling and transient faults are retried with back-off.
RETRIES = {"mode": "standard", "max_attempts": 4}


class LazyClient:
    """Stands in for a client and creates it on the first attribute read.

    Args:
        clients: the set of clients that creates it.
        service: the service name, e.g. ``sagemaker``.
    """

    def __init__(self, clients: LazyClients, service: str) -> None:
        self._clients = clients
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clients.created(self._service), name)

    def __repr__(self) -> str:
        return f"LazyClient({self._service!r})"


class LazyClients:
    """The clients of one function, sharing one botocore session.

    A plain botocore session, not boto3's: boto3 adds resources and S3 transfer
    methods, which the functions do not use, and its import loads the S3 transfer
    manager.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: botocore.session.Session | None = None
        self._created: dict[str, BaseClient] = {}

    def client(self, service: str) -> BaseClient:
        """A stand-in for the ``service`` client; the real one is made when first used."""
        return cast("BaseClient", LazyClient(self, service))

    def created(self, service: str) -> BaseClient:
        """The real ``service`` client, created now if it does not exist yet."""
        existing = self._created.get(service)
        if existing is not None:
            return existing
        with self._lock:
            if service not in self._created:
                import botocore.session
                from botocore.config import Config

                if self._session is None:
                    self._session = botocore.session.get_session()
                self._created[service] = self._session.create_client(
                    service, config=Config(retries=RETRIES)
                )
            return self._created[service]

    @property
    def services(self) -> tuple[str, ...]:
        """The services whose clients exist so far."""
        return tuple(self._created)
