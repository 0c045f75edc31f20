"""Getting leaked Hugging Face tokens revoked, in the background.

`Revoker(revoke)` takes an async callable `revoke(tokens) -> None` (in the bot: `HubClient.revoke_credentials`,
which POSTs `{endpoint}/api/credentials/revoke`). `submit(tokens)` returns at once: a single worker task
gathers the tokens submitted in a short burst into batches, retries a failing batch with jittered
exponential backoff, and remembers what it revoked so a token pasted twice is sent once. `aclose()` flushes.

The Hub answers 202 whether a token existed or not, so "revoked" here means "the Hub accepted the request".
No token is ever logged: failures are reported by count and exception type only.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from enum import StrEnum
from itertools import islice
from typing import Awaitable, Callable, Iterable

__all__ = ["Revoker", "RevocationStatus"]

log = logging.getLogger(__name__)

RevokeCall = Callable[[list[str]], Awaitable[None]]


class RevocationStatus(StrEnum):
    PENDING = "pending"  # queued or being sent
    REVOKED = "revoked"  # the Hub accepted the revocation request
    FAILED = "failed"  # every attempt failed; the owner must revoke it by hand


class Revoker:
    def __init__(self, revoke: RevokeCall, *, batch_size: int = 1000, max_attempts: int = 4,
                 base_delay: float = 1.0, max_delay: float = 30.0, linger: float = 0.05,
                 rng: random.Random | None = None) -> None:
        """`batch_size`: tokens per request (the Hub client sends them in one body); `linger`: how long the
        worker waits for more tokens before sending a batch; delays grow from `base_delay` up to `max_delay`."""
        if batch_size < 1 or max_attempts < 1:
            raise ValueError("batch_size and max_attempts must be at least 1")
        self._revoke = revoke
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._linger = linger
        self._rng = rng or random.Random()
        self._queued: dict[str, None] = {}  # insertion-ordered set
        self._in_flight: set[str] = set()
        self._revoked: set[str] = set()
        self._failed: set[str] = set()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    def submit(self, tokens: Iterable[str]) -> RevocationStatus:
        """Queue tokens for revocation without waiting; returns their combined status right now.

        Must be called from a running event loop. Tokens already revoked, queued or in flight are skipped.
        """
        if self._closed:
            raise RuntimeError("Revoker is closed")
        tokens = list(dict.fromkeys(tokens))
        fresh = [t for t in tokens if t not in self._revoked and t not in self._in_flight and t not in self._queued]
        for token in fresh:
            self._failed.discard(token)  # a token that failed before gets another chance
            self._queued[token] = None
        if fresh and (self._worker is None or self._worker.done()):
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="hf-token-revoker")
        return self.status(tokens)

    def status(self, tokens: Iterable[str]) -> RevocationStatus:
        """REVOKED when all were accepted by the Hub, FAILED when any gave up, PENDING otherwise."""
        tokens = list(tokens)
        if all(t in self._revoked for t in tokens):
            return RevocationStatus.REVOKED
        if any(t in self._failed for t in tokens):
            return RevocationStatus.FAILED
        return RevocationStatus.PENDING

    @property
    def revoked_count(self) -> int:
        return len(self._revoked)

    async def aclose(self, timeout: float = 10.0) -> None:
        """Stop taking tokens, send what is queued (within `timeout` seconds), then stop the worker."""
        self._closed = True
        worker = self._worker
        if worker is None or worker.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(worker), timeout)
        except TimeoutError:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            abandoned = len(self._queued) + len(self._in_flight)
            self._failed.update(self._queued, self._in_flight)
            self._queued.clear()
            self._in_flight.clear()
            log.warning("revoker closed with %d token(s) not revoked", abandoned)

    async def _run(self) -> None:
        while self._queued:
            await asyncio.sleep(self._linger)  # let a burst of pastes share one request
            batch = list(islice(self._queued, self._batch_size))
            for token in batch:
                del self._queued[token]
            self._in_flight.update(batch)
            accepted = await self._send(batch)
            self._in_flight.difference_update(batch)
            (self._revoked if accepted else self._failed).update(batch)

    async def _send(self, batch: list[str]) -> bool:
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._revoke(batch)
                return True
            except Exception as exc:  # noqa: BLE001 - any failure of the injected call is retried
                log.warning("revoking %d leaked token(s) failed (attempt %d/%d): %s",
                            len(batch), attempt, self._max_attempts, type(exc).__name__)
            if attempt < self._max_attempts:
                await asyncio.sleep(self._backoff(attempt))
        return False

    def _backoff(self, attempt: int) -> float:
        """Exponential delay with equal jitter: half fixed, half random, so retries from many bots spread."""
        ceiling = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)
