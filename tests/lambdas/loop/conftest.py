"""Fixtures of the CD4ML loop handler tests: moto worlds, Lambda contexts, call recorders."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .call_recording import CallRecorder, FakeLambdaContext, handler_clients
from .loop_constants import ACCOUNT, REGION
from .loop_world import HANDLER_MODULES, LoopWorld, provisioned_world


@pytest.fixture
def world() -> Iterator[LoopWorld]:
    """A fresh moto account with the ``churn`` project, for one test."""
    with provisioned_world() as world:
        yield world


@pytest.fixture(scope="module")
def shared_world() -> Iterator[LoopWorld]:
    """One moto account for a whole module (property tests that must not pay set-up per example)."""
    with provisioned_world() as world:
        yield world


@pytest.fixture
def context_for() -> Callable[[str], FakeLambdaContext]:
    """A Lambda context for the named function."""

    def build(function_name: str) -> FakeLambdaContext:
        return FakeLambdaContext(
            function_name=function_name,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
        )

    return build


@pytest.fixture
def recorder() -> Iterator[CallRecorder]:
    """Records every API call the three handlers make during the test."""
    calls = CallRecorder()
    clients = [client for module in HANDLER_MODULES for client in handler_clients(module)]
    for client in clients:
        calls.attach(client)
    yield calls
    for client in clients:
        calls.detach(client)
