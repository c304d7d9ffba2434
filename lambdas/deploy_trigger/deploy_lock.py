"""The project's deploy lock, held while the deploy trigger decides and starts a deploy.

The lock lapses ``DEPLOY_LOCK_SECONDS`` after it was taken, so an invocation that
died while holding it (a timeout, a crash) blocks the project for at most that long:
the next event takes the lapsed lock over, and says so through ``on_lapsed``, which
the handler turns into the ``LapsedDeployLocks`` metric the loop's alarm watches.
"""

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


def _not_told(_holder_event_id: str) -> None:
    """The default ``on_lapsed``: nobody is told."""


@contextlib.contextmanager
def deploy_lock(
    state: DeployState,
    project: str,
    event_id: str,
    *,
    on_lapsed: Callable[[str], None] = _not_told,
    wait_seconds: float = DEPLOY_LOCK_WAIT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[None]:
    """Hold the project's deploy lock for the block, waiting for it if another event has it.

    ``on_lapsed`` gets the event id of the holder whose expired lock was taken over.
    """
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while True:
        attempt = state.acquire_deploy_lock(
            project,
            holder_event_id=event_id,
            now=datetime.now(UTC),
            lock_seconds=DEPLOY_LOCK_SECONDS,
        )
        if attempt.acquired:
            break
        if time.monotonic() >= deadline:
            raise ProjectBusy(f"the deploy lock of {project} stayed taken for {wait_seconds} s")
        sleep(pause)
        pause = min(pause * 2, 1.0)
    try:
        if attempt.lapsed_holder_event_id is not None:
            on_lapsed(attempt.lapsed_holder_event_id)
        yield
    finally:
        state.release_deploy_lock(project, holder_event_id=event_id)
