"""The project's deploy lock, held while the deploy trigger decides and starts a deploy."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from loop_common.deploy_state import DeployState

DEPLOY_LOCK_SECONDS = 60
DEPLOY_LOCK_WAIT_SECONDS = 20.0


class ProjectBusy(RuntimeError):
    """Another event held the project's deploy lock for longer than the wait; Lambda retries."""


@contextlib.contextmanager
def deploy_lock(
    state: DeployState,
    project: str,
    event_id: str,
    *,
    wait_seconds: float = DEPLOY_LOCK_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the project's deploy lock for the block, waiting for it if another event has it."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while not state.acquire_deploy_lock(
        project,
        holder_event_id=event_id,
        now=datetime.now(UTC),
        lock_seconds=DEPLOY_LOCK_SECONDS,
    ):
        if time.monotonic() >= deadline:
            raise ProjectBusy(f"the deploy lock of {project} stayed taken for {wait_seconds} s")
        sleep(pause)
        pause = min(pause * 2, 1.0)
    try:
        yield
    finally:
        state.release_deploy_lock(project, holder_event_id=event_id)
