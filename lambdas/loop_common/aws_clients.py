"""The loop functions' boto3 clients: one botocore session, each client made on first use.

Importing a handler then costs the module loads only; an event that is dropped
before any AWS call creates no client at all, and a function creates only the
clients its events use. Creation is guarded by a lock so that concurrent first
uses (threads in tests, or a handler that fans out) share one client.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import boto3
from botocore.client import BaseClient
from botocore.config import Config

# Standard retry mode: throttling and transient faults are retried with back-off.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4})


class LazyClient:
    """Stands in for a boto3 client and creates it on the first attribute read.

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
    """The clients of one function, sharing one boto3 session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._created: dict[str, BaseClient] = {}

    def client(self, service: str) -> BaseClient:
        """A stand-in for the ``service`` client; the real one is made when first used."""
        return cast(BaseClient, LazyClient(self, service))

    def created(self, service: str) -> BaseClient:
        """The real ``service`` client, created now if it does not exist yet."""
        existing = self._created.get(service)
        if existing is not None:
            return existing
        with self._lock:
            if service not in self._created:
                if self._session is None:
                    self._session = boto3.session.Session()
                self._created[service] = self._session.client(service, config=CLIENT_CONFIG)
            return self._created[service]

    @property
    def services(self) -> tuple[str, ...]:
        """The services whose clients exist so far."""
        return tuple(self._created)
