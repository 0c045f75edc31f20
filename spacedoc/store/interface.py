"""What the rest of the bot sees of the store: the records it reads back and the `Store` protocol.

Work that a crash can cut in half is held as a *lease* (`claim`): the process that claims a key owns it
until `complete()` (done for good) or until its lease runs out without one (a crash), after which the next
`claim()` of the key — a replayed event, a start-up sweep over `expired_claims()`, another process — takes it
again. A consumer therefore looks like:

    if not await store.claim(f"answer:msg:{message.id}", payload={"channel": channel.id}):
        return                                  # someone holds it, or it is done
    try:
        reply = await answer(...)
    except HandledFailure:
        await store.release(f"answer:msg:{message.id}")   # retry now, e.g. on the next replay
        raise
    await store.complete(f"answer:msg:{message.id}", result=str(reply.id))

while a heartbeat task calls `store.renew()` every `store.lease_seconds / 3` and a sweep re-`claim()`s each
of `store.expired_claims("answer:")` before redoing it from its payload.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from diagnosis.incidents import DiagnosisRecord


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    help_forums: frozenset[int] = frozenset()
    help_channels: frozenset[int] = frozenset()
    auto_reply: bool = True
    helper_role: int | None = None
    revoke: bool = True


@dataclass(frozen=True, slots=True)
class VerdictContext:
    """What a verdict message's buttons need after a restart (redacted text only)."""

    message_id: int
    guild_id: int | None
    channel_id: int
    space: str | None
    details: str
    bucket: str
    email_draft: str | None = None


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    helped: int = 0
    not_helped: int = 0


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    payload: dict[str, Any]  # JSON object given at claim time: ids a sweep needs to redo the work (redacted text only)
    owner: str  # process that holds / held it
    attempts: int  # 1 on first claim, +1 each time an expired lease is taken again
    done: bool
    result: str | None  # e.g. the reply's id once answered


@dataclass(frozen=True, slots=True)
class PendingRevocation:
    """A leaked Hugging Face token waiting to be revoked, or revoked/given up and waiting for the person to be told.

    `token` is the secret itself until the revocation is settled, then None: it is never redacted on write
    (it must still work for the Hub's revoke endpoint) and never shown in a repr, so it cannot reach a log."""

    key: str
    token: str | None = field(repr=False)
    notify: dict[str, Any]  # the ids needed to tell the person the outcome (guild, channel, user, message, ...)
    attempts: int  # revoke attempts that failed so far (the caller's backoff grows with it)
    next_try: datetime  # when it is due again (as returned by due_revocations: when this process's lease ends)
    outcome: str | None  # None: still to revoke; REVOKED or GAVE_UP: settled, the person still to be told
    error: str | None  # the last failure, redacted


REVOKED = "revoked"
GAVE_UP = "gave_up"


class Store(Protocol):
    owner: str  # this process's id (uuid4 hex), fixed at open_store()
    lease_seconds: float
    settings_ttl: float  # seconds a settings read may be served from memory

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        """Served from memory for at most `settings_ttl` seconds, so a change made by another process is seen
        within seconds (at once on PostgreSQL, which announces changes with NOTIFY)."""
        ...

    async def save_guild_settings(self, settings: GuildSettings) -> None: ...

    # ---- claims (leases) ------------------------------------------------------------------------------------

    async def claim(self, key: str, *, payload: Mapping[str, Any] | None = None) -> bool:
        """True when this process now holds `key`: it was never claimed, or a previous holder's lease expired
        without `complete()` (attempts+1; the stored payload is kept unless a new one is given). False while a
        live lease holds it (this process's own included) or once it is done. Atomic across processes."""
        ...

    async def complete(self, key: str, result: str | None = None) -> None:
        """Done: never taken again. `result` is e.g. the reply id. A key never claimed stays unknown."""
        ...

    async def release(self, key: str) -> None:
        """Give an open claim this process holds back at once (the work was not done and should be retried
        now, e.g. after a handled failure); a no-op on done claims and on claims another process holds."""
        ...

    async def renew(self) -> int:
        """Extend the lease of every open claim this owner holds to now + lease_seconds; returns how many.
        A heartbeat loop calls it every lease_seconds/3, so a live process never loses a claim mid-work and a
        SIGKILLed one loses all of them within one lease."""
        ...

    async def expired_claims(self, prefix: str, limit: int = 50) -> list[Claim]:
        """Open claims under `prefix` whose lease expired, oldest first: work a dead process left. The caller
        re-`claim()`s each before redoing it (only one process wins)."""
        ...

    async def get_claim(self, key: str) -> Claim | None: ...

    # ---- pending revocations ----------------------------------------------------------------------------

    async def add_revocation(self, key: str, token: str, *, notify: Mapping[str, Any]) -> bool:
        """Record a token to revoke, due at once; True when new (a replayed event adds nothing twice).
        Call it before anything irreversible (deleting the message that held the token)."""
        ...

    async def due_revocations(self, limit: int = 20) -> list[PendingRevocation]:
        """Revocations due now (to try, or settled and still to tell the person), oldest first. Each one returned
        is leased to this process for `lease_seconds` (its next try moves that far), so two processes never work
        on the same one and a crashed process's ones come due again after a lease."""
        ...

    async def retry_revocation(self, key: str, *, at: datetime, error: str) -> None:
        """The attempt failed (Hub down, 5xx): attempts+1, due again at `at`, `error` kept (redacted)."""
        ...

    async def settle_revocation(self, key: str, *, revoked: bool) -> None:
        """Revoked (or given up on): the token is erased at once and the row is due now so the person is told
        the outcome (REVOKED / GAVE_UP)."""
        ...

    async def drop_revocation(self, key: str) -> None:
        """The person was told: forget the revocation."""
        ...

    async def count_revocations(self, prefix: str) -> int:
        """How many revocations whose key starts with `prefix` are recorded and not forgotten yet."""
        ...

    # ---- verdicts, feedback, diagnoses, meta -----------------------------------------------------------------

    async def save_verdict_context(
        self,
        message_id: int,
        *,
        guild_id: int | None,
        channel_id: int,
        space: str | None,
        details: str,
        bucket: str,
        email_draft: str | None,
    ) -> None: ...

    async def get_verdict_context(self, message_id: int) -> VerdictContext | None: ...

    async def record_feedback(self, message_id: int, user_id: int, helpful: bool) -> bool:
        """Store one vote per person; True when it is this person's first vote on the message."""
        ...

    async def feedback_counts(self, message_id: int) -> FeedbackCounts: ...

    async def record_diagnosis(self, record: DiagnosisRecord) -> None: ...

    async def recent_diagnoses(self, since: datetime) -> list[DiagnosisRecord]:
        """The latest diagnosis of each (Space, bucket) since `since`, oldest first: incident detection counts
        Spaces, so a Space diagnosed again and again is one record."""
        ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...

    async def prune(self, older_than: datetime) -> int:
        """Delete done claims, diagnoses, verdict contexts and feedback older than `older_than`; returns rows.
        Open claims and pending revocations are never pruned."""
        ...

    async def close(self) -> None: ...
