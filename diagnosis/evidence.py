"""Gather the live evidence for one Space: every probe at once, the whole inside a deadline.

Each check ends as `Ok(value)` or `Unavailable(reason)`; a check still running at the deadline is left to
finish in the client's cache (others may be waiting on it) and recorded as "no answer within N s".
"""
from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from diagnosis.hub import HubClient, ProbeFailed
from diagnosis.model import Evidence, Ok, Unavailable
from diagnosis.spaceref import is_valid_space_id

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, str], Awaitable[None] | None]


async def gather(
    client: HubClient,
    space_id: str,
    *,
    deadline: float = 8.0,
    on_progress: ProgressCallback | None = None,
    want_logs: bool = True,
    now: datetime | None = None,
) -> Evidence:
    """Run the probes concurrently; after `deadline` seconds return what arrived.

    `on_progress(check, status)` (plain or async) hears about each check as it ends: status is "ok" or the
    reason it is unavailable. Check names: runtime, info, commits, build_log, run_log, status.
    """
    if not is_valid_space_id(space_id):
        raise ValueError(f"not a valid OWNER/NAME Space id: {space_id!r}")
    calls: dict[str, Awaitable[Any]] = {
        "runtime": client.runtime(space_id),
        "info": client.space_info(space_id),
        "commits": client.commits(space_id),
        "status": client.status_page(),
    }
    if want_logs:
        calls["build_log"] = client.logs(space_id, build=True)
        calls["run_log"] = client.logs(space_id, build=False)
    tasks = {asyncio.ensure_future(call): name for name, call in calls.items()}
    results: dict[str, Ok[Any] | Unavailable] = {}

    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + deadline
    pending = set(tasks)
    try:
        while pending:
            remaining = give_up_at - loop.time()
            if remaining <= 0:
                break
            done, pending = await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                name = tasks[task]
                results[name] = _outcome(name, task)
                await _notify(on_progress, name, results[name])
    finally:
        for task in pending:
            task.cancel()
    for task in pending:
        name = tasks[task]
        results[name] = Unavailable(f"no answer within {deadline:.1f} s")
        await _notify(on_progress, name, results[name])

    return Evidence(space=space_id, now=now or datetime.now(UTC), **results)


def _outcome(name: str, task: asyncio.Future[Any]) -> Ok[Any] | Unavailable:
    error = task.exception()
    if error is None:
        return Ok(task.result())
    if isinstance(error, ProbeFailed):
        return Unavailable(error.reason)
    # A bug in a probe must not sink the whole diagnosis; it is logged and named.
    log.error("probe %s failed unexpectedly", name, exc_info=error)
    return Unavailable(f"internal error ({type(error).__name__})")


async def _notify(on_progress: ProgressCallback | None, name: str, probe: Ok[Any] | Unavailable) -> None:
    if on_progress is None:
        return
    status = "ok" if isinstance(probe, Ok) else probe.reason
    try:
        result = on_progress(name, status)
        if inspect.isawaitable(result):
            await result
    except Exception:  # a progress display failing (e.g. a Discord edit) must not stop the diagnosis
        log.warning("progress callback failed for %s", name, exc_info=True)
