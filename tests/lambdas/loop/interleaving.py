"""Interleaving steps of concurrent handlers deterministically, with botocore event hooks.

A hook runs another handler (or a person's action) at an exact point of the
first handler's work: just before or just after one of its API calls. Where the
second step must wait for a lock the first holds, it runs in a thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any


@contextlib.contextmanager
def on_call(
    client: Any, event_name: str, step: Callable[..., Any], *, once: bool = True
) -> Iterator[None]:
    """Run ``step`` at ``event_name`` (``before-call.<service>.<Operation>`` or ``after-call...``).

    With ``once`` the step runs at the first such call only. What a ``before-call``
    step returns, if not None, answers the call in place of the service.
    """
    done = threading.Event()

    def hook(**kwargs: Any) -> Any:
        if once and done.is_set():
            return None
        done.set()
        return step(**kwargs)

    client.meta.events.register(event_name, hook)
    try:
        yield
    finally:
        client.meta.events.unregister(event_name, hook)


def in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Start ``action`` in a thread; its result or error lands in the returned dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = action()
        except Exception as error:  # the test reads it
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def together(*actions: Callable[[], Any]) -> list[dict[str, Any]]:
    """Run ``actions`` in threads released at the same moment; their outcomes in order."""
    barrier = threading.Barrier(len(actions))

    def released(action: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            barrier.wait(timeout=10)
            return action()

        return run

    started = [in_thread(released(action)) for action in actions]
    for thread, _ in started:
        thread.join(timeout=60)
    return [outcome for _, outcome in started]
