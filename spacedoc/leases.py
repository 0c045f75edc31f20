"""Work held as leases in the store (spacedoc.store): claimed with a payload, completed with its result, handed back
after a failure; the heartbeat that keeps this process's leases alive and the sweep that redoes what a dead process
left.

    leases = Leases(store)
    leases.register("answer:", "mention", redo)     # how to redo a claim of this kind from its payload
    await leases.hold(key, {"kind": "mention", "channel": …, "message": …}, work)

`work(claim)` returns what to complete the claim with (the reply's id; a short word such as "silent" when the bot
decided not to answer) or raises `NotDone` to give the claim back for a retry. A live event and the sweep's redo
run the same work: a claim taken again (`claim.attempts > 1`) may find its work half done (the answer posted, the
process killed before `complete`), so such work first looks for what already exists. Every Discord message is sent
with `nonce(key)`, which Discord enforces for a few minutes, so even a retry that misses it posts nothing twice.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from spacedoc.metrics import WorkInProgress
from spacedoc.store import Claim, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # a claim taken this often without being completed is given up (a poison event must not loop)
MAX_SWEEP_BACKOFF = 32  # after failed redos the sweep waits up to this many intervals (a service out of reach)
SWEEP_BATCH = 50
NONCE_LENGTH = 24  # Discord accepts nonces of up to 25 characters

Work = Callable[[Claim], Awaitable[str | None]]


class NotDone(Exception):
    """The work could not be done now (a service out of reach): the claim is given back and retried by the sweep."""


async def woken_or_after(wake: asyncio.Event, seconds: float) -> None:
    """Returns when `wake` is set or after `seconds`. (asyncio.timeout, not wait_for: on Python 3.11 wait_for can
    swallow the cancellation that stops a loop at shutdown when its timeout fires at the same moment.)"""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()


def nonce(key: str, part: str = "") -> str:
    """The nonce of the message `part` of the work `key` sends: the same in every process and after a restart."""
    return hashlib.blake2b(f"{key}\n{part}".encode(), digest_size=NONCE_LENGTH // 2).hexdigest()


def answer_key(message_id: int) -> str:
    """The claim of the answer to a Discord message: one per message, whichever part of the bot answers it (a
    mention, the help desk, an acknowledgement, an apology), so that it gets one reply."""
    return f"answer:msg:{message_id}"


async def claim_once(store: Store, key: str, kind: str) -> bool:
    """Dedupe for one-shot work that cannot be redone later (a click, a settings command): claimed and done at once.
    False when it was claimed before (a gateway replay)."""
    if not await store.claim(key, payload={"kind": kind}):
        return False
    await store.complete(key, "handled")
    return True


class Leases:
    def __init__(self, store: Store, work: WorkInProgress | None = None) -> None:
        self.store = store
        self.work = work or WorkInProgress()  # what the process is doing now: shared by everything holding leases
        self._redo: dict[str, dict[str, Work]] = {}  # key prefix → payload kind → redo
        self._wake = asyncio.Event()
        self._failed = 0  # work that failed since the last sweep
        self._working: set[asyncio.Task[Any]] = set()  # tasks doing work right now

    def register(self, prefix: str, kind: str, redo: Work) -> None:
        """Claims under `prefix` whose payload says `{"kind": kind}` are redone by `redo` once their lease expired."""
        self._redo.setdefault(prefix, {})[kind] = redo
        self.wake()

    def wake(self) -> None:
        """Sweep now (e.g. once Discord is ready to redo its work)."""
        self._wake.set()

    async def hold(self, key: str, payload: Mapping[str, Any], work: Work) -> bool:
        """Claims `key` and, when this process now holds it, does `work` and completes it; False when the work is
        held by another process or done."""
        if not await self.store.claim(key, payload=payload):
            return False
        claim = await self.store.get_claim(key)
        if claim is None:  # pruned between the two statements: nothing left to do
            return True
        await self.run(key, lambda: work(claim))
        return True

    async def run(self, key: str, work: Callable[[], Awaitable[str | None]]) -> None:
        """Does the work of a claim this process holds: completed with its result, released when it failed."""
        task = asyncio.current_task()
        assert task is not None
        self._working.add(task)
        try:
            await self._run(key, work)
        finally:
            self._working.discard(task)

    async def _run(self, key: str, work: Callable[[], Awaitable[str | None]]) -> None:
        try:
            result = await work()
        except NotDone as exc:
            log.warning("work %s left for a retry: %s", key, exc)
            self._failed += 1
            await self._release(key)
            return
        except asyncio.CancelledError:  # shutting down: another process (or the next start) takes it at once
            await self._release(key)
            raise
        except Exception:
            log.exception("work %s failed; it will be retried", key)
            self._failed += 1
            await self._release(key)
            return
        await self.store.complete(key, result)

    async def drain(self, timeout: float) -> None:
        """At shutdown: lets the work in flight finish within `timeout` seconds, then cuts the rest short (given
        back, so another process or the next start takes it at once)."""
        working = self._working - {asyncio.current_task()}
        if not working:
            return
        _, late = await asyncio.wait(working, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=timeout)

    async def _release(self, key: str) -> None:
        try:
            await self.store.release(key)
        except Exception as exc:  # the lease then expires by itself
            log.warning("could not give back %s: %s", key, exc)

    # ---- the two loops spacedoc.service runs -------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Renews this process's leases every third of a lease, so none expires while the process is alive."""
        while True:
            await asyncio.sleep(self.store.lease_seconds / 3)
            try:
                await self.store.renew()
            except Exception as exc:  # a database hiccup: the next beat tries again within the lease
                log.warning("could not renew this process's leases: %s", exc)

    async def sweep(self, interval: float) -> None:
        """Redoes expired work now (start-up), then every `interval` seconds or when woken. While work keeps
        failing (Discord or the forum out of reach) the pauses double, so an outage does not use up its attempts."""
        backoff = 1
        while True:
            self._wake.clear()
            taken = 0
            try:
                with self.work.during():
                    taken = await self.sweep_once()
            except Exception as exc:
                log.warning("the sweep for unfinished work failed: %s", exc)
                self._failed += 1
            backoff = min(backoff * 2, MAX_SWEEP_BACKOFF) if self._failed else 1
            self._failed = 0
            if taken >= SWEEP_BATCH and backoff == 1:
                continue  # a crash left more than one batch: the next one at once
            await woken_or_after(self._wake, interval * backoff)

    async def sweep_once(self) -> int:
        """Takes and redoes every expired claim of a registered kind; returns how many this process took."""
        taken: list[tuple[Claim, Work]] = []
        for prefix, kinds in list(self._redo.items()):
            for claim in await self.store.expired_claims(prefix, SWEEP_BATCH):
                redo = kinds.get(str(claim.payload.get("kind")))
                if redo is None or not await self.store.claim(claim.key):
                    continue  # a kind another part of the bot redoes, or another process was quicker
                claim = replace(claim, owner=self.store.owner, attempts=claim.attempts + 1)
                if claim.attempts > MAX_ATTEMPTS:
                    log.warning("giving up %s after %d attempts", claim.key, MAX_ATTEMPTS)
                    await self.store.complete(claim.key, "abandoned")
                    continue
                log.info("redoing %s (attempt %d): its lease expired unfinished", claim.key, claim.attempts)
                taken.append((claim, redo))
        await asyncio.gather(*(self.run(claim.key, functools.partial(redo, claim)) for claim, redo in taken))
        return len(taken)
