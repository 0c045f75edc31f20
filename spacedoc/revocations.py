"""Leaked Hugging Face tokens revoked durably: recorded in the store's pending revocations before anything
irreversible happens (the message that held them deleted), retried with jittered backoff until the Hub accepts them
— across Hub outages, restarts and processes — and the person told how it ended.

    revocations = Revocations(store, hub.revoke_credentials, give_up_after=15 * 60)
    revocations.teller("discord", tell)          # how a person reached through Discord is told the outcome
    await revocations.add(claim_key, tokens, notify={"via": "discord", "claim": claim_key, ...})
    await revocations.run()                      # the worker (spacedoc.service runs it)

The token is stored only until the Hub accepted it (or the bot gave up), then erased; in memory it lives for one
request. Rows are keyed by the work that found them plus a digest of the token, never the token. A person is told
"revoked" only once it is, and told plainly when the Hub would not accept it for `give_up_after` seconds: `tell`
returns False while it cannot tell yet (the warning it would update is not posted yet), and is asked again.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from diagnosis.revocation import RevocationStatus
from spacedoc.leases import woken_or_after
from spacedoc.metrics import WorkInProgress
from spacedoc.store import REVOKED, PendingRevocation, Store

log = logging.getLogger(__name__)

RevokeCall = Callable[[list[str]], Awaitable[None]]
Tell = Callable[[PendingRevocation], Awaitable[bool]]  # True once the person was told

DEFAULT_GIVE_UP_MINUTES = 15.0
POLL_SECONDS = 1.0  # how often due rows are looked for (a new one wakes the worker at once)
BATCH = 100  # tokens per request to the Hub
BASE_DELAY = 1.0
MAX_DELAY = 300.0


def backoff(attempt: int, *, base: float, ceiling: float, rng: random.Random | None = None) -> float:
    """Seconds before try `attempt + 1`: exponential from `base`, at most `ceiling`, with equal jitter (half fixed,
    half random) so that retries from many processes spread."""
    top = min(ceiling, base * 2 ** (max(attempt, 1) - 1))
    return top / 2 + (rng or random).uniform(0, top / 2)


def revocation_key(work_key: str, token: str) -> str:
    return f"{_of(work_key)}{hashlib.sha256(token.encode()).hexdigest()[:16]}"


def _of(work_key: str) -> str:
    """What the keys of the revocations `work_key` recorded start with."""
    return f"{work_key}:revoke:"


def outcome(row: PendingRevocation) -> RevocationStatus:
    return RevocationStatus.REVOKED if row.outcome == REVOKED else RevocationStatus.FAILED


class Revocations:
    def __init__(self, store: Store, revoke: RevokeCall, *, give_up_after: float = DEFAULT_GIVE_UP_MINUTES * 60,
                 base_delay: float = BASE_DELAY, poll: float = POLL_SECONDS, clock: Callable[[], float] = time.time,
                 rng: random.Random | None = None, work: WorkInProgress | None = None) -> None:
        self.store = store
        self.work = work or WorkInProgress()
        self.give_up_after = give_up_after
        self._revoke = revoke
        self._base_delay = base_delay
        self._ceiling = max(base_delay, min(MAX_DELAY, give_up_after / 4))  # several tries before giving up
        self._poll = poll
        self._clock = clock
        self._rng = rng or random.Random()
        self._tellers: dict[str, Tell] = {}
        self._untold: dict[str, tuple[PendingRevocation, float]] = {}  # settled, still ours until the float
        self._wake = asyncio.Event()

    def teller(self, via: str, tell: Tell) -> None:
        """Rows whose `notify["via"]` is `via` are told by `tell`."""
        self._tellers[via] = tell

    async def add(self, work_key: str, tokens: Iterable[str], *, notify: Mapping[str, Any]) -> list[str]:
        """Records each token for revocation (a replayed event adds nothing twice) and wakes the worker."""
        keys = []
        for token in dict.fromkeys(tokens):
            key = revocation_key(work_key, token)
            await self.store.add_revocation(key, token, notify={**notify, "since": self._clock()})
            keys.append(key)
        self.wake()
        return keys

    async def recorded(self, work_key: str) -> bool:
        """Whether `work_key` recorded tokens that are still to revoke or to tell (rows are forgotten only once the
        person was told, which waits for the work to be done)."""
        return await self.store.count_revocations(_of(work_key)) > 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                with self.work.during():
                    await self.run_once()
            except Exception as exc:  # the store out of reach: the rows wait there
                log.warning("the revocation worker failed: %s", exc)
            await woken_or_after(self._wake, self._poll)

    async def run_once(self) -> None:
        """Tries every due revocation once (one request to the Hub), then tells whoever can be told."""
        rows = await self.store.due_revocations(BATCH)
        pending = [row for row in rows if row.outcome is None and row.token]
        if pending:
            await self._try(pending)
        now = self._clock()
        for row in rows:
            if row.outcome is not None:
                self._untold[row.key] = (row, now + self.store.lease_seconds * 0.8)
        for key, (row, until) in list(self._untold.items()):
            if until < now or await self._tell(row):  # its lease ends: whoever takes it next tells it
                del self._untold[key]

    async def _try(self, pending: list[PendingRevocation]) -> None:
        tokens = list(dict.fromkeys(row.token for row in pending if row.token))
        try:
            await self._revoke(tokens)
        except Exception as exc:  # noqa: BLE001 - any failure is retried; its type is all that is logged
            now = self._clock()
            gave_up = 0
            for row in pending:
                if now - float(row.notify.get("since", now)) >= self.give_up_after:
                    await self.store.settle_revocation(row.key, revoked=False)
                    gave_up += 1
                else:
                    delay = backoff(row.attempts + 1, base=self._base_delay, ceiling=self._ceiling, rng=self._rng)
                    await self.store.retry_revocation(row.key, at=datetime.fromtimestamp(now + delay, UTC),
                                                      error=type(exc).__name__)
            log.warning("revoking %d leaked token(s) failed (%s): %d will be retried, %d given up",
                        len(tokens), type(exc).__name__, len(pending) - gave_up, gave_up)
            if gave_up:
                self.wake()
            return
        for row in pending:
            await self.store.settle_revocation(row.key, revoked=True)
        log.info("revoked %d leaked Hugging Face token(s)", len(tokens))
        self.wake()  # the settled rows are due at once: tell the people now

    async def _tell(self, row: PendingRevocation) -> bool:
        tell = self._tellers.get(str(row.notify.get("via")))
        if tell is None:
            return False  # a process running that part of the bot tells it
        try:
            told = await tell(row)
        except Exception as exc:  # Discord or the forum out of reach: asked again on the next pass
            log.warning("could not tell the outcome of revocation %s yet: %s", row.key, exc)
            return False
        if told:
            await self.store.drop_revocation(row.key)
        return told
