"""`SqlStore`: the `Store` implementation shared by SQLite and PostgreSQL (each statement in the SQL both accept).

Every runtime operation is one statement, so it is atomic on both back ends without explicit transactions:
a claim is `INSERT … ON CONFLICT DO UPDATE … WHERE the lease expired`, and whichever process's statement
changes the row holds the lease. Times are epoch seconds from the store's `clock` (injectable for tests).

Every text value that is written passes through the redactor first, so a secret that slipped into a detail, an
e-mail draft or a payload never reaches the disk — except a pending revocation's token, which must stay usable
until it is revoked and is erased then. Keys and owners are identifiers the bot builds and are stored as given:
redacting them could merge distinct keys (`secret:msg:<id>:<digest>` reads like an assignment) and break `claim`.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from diagnosis.redact import redact
from spacedoc.metrics import claim_retried
from spacedoc.store.interface import (
    GAVE_UP,
    REVOKED,
    Claim,
    FeedbackCounts,
    GuildSettings,
    PendingRevocation,
    VerdictContext,
)
from spacedoc.store.schema import Database

Clock = Callable[[], float]  # epoch seconds, like time.time

_CLAIM_COLUMNS = "key, payload, owner, attempts, done, result"
_REVOCATION_COLUMNS = "key, token, notify, attempts, next_try, outcome, error"


def _clean(text: str | None) -> str | None:
    return None if text is None else redact(text).text


def _clean_json(value: Any) -> Any:
    """A JSON value with every string in it redacted (keys included)."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, Mapping):
        return {_clean_json(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def _dump(payload: Mapping[str, Any]) -> str:
    return json.dumps(_clean_json(payload), sort_keys=True)


def _epoch(at: datetime) -> float:
    # Naive datetimes are taken as UTC so that records from every caller compare on one clock.
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _claim(row: Sequence[Any]) -> Claim:
    key, payload, owner, attempts, done, result = row
    return Claim(key=key, payload=json.loads(payload), owner=owner, attempts=attempts, done=bool(done),
                 result=result)


def _revocation(row: Sequence[Any]) -> PendingRevocation:
    key, token, notify, attempts, next_try, outcome, error = row
    return PendingRevocation(key=key, token=token, notify=json.loads(notify), attempts=attempts,
                             next_try=datetime.fromtimestamp(next_try, UTC), outcome=outcome, error=error)


class SqlStore:
    """`Store` over a `Database` (SQLite or PostgreSQL). Build it with `open_store()`."""

    def __init__(self, db: Database, *, lease_seconds: float, settings_ttl: float, clock: Clock) -> None:
        self._db = db
        self.owner = uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        self.settings_ttl = settings_ttl
        self.clock = clock
        self._settings: dict[int, tuple[float, GuildSettings]] = {}  # guild → (read at, settings), oldest read first

    # ---- settings --------------------------------------------------------------------------------------

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        # Read on every chat message, written only by admins: a short-lived cache bounds how stale it can be.
        now = self.clock()
        cached = self._settings.get(guild_id)
        if cached is not None and now - cached[0] < self.settings_ttl:
            return cached[1]
        settings = await self._read_guild_settings(guild_id)
        self._settings.pop(guild_id, None)
        self._settings[guild_id] = (now, settings)
        # Only the guilds read within the TTL stay: what expired is at the front.
        while self._settings:
            oldest, (read_at, _) = next(iter(self._settings.items()))
            if now - read_at < self.settings_ttl:
                break
            del self._settings[oldest]
        return settings

    def forget_guild_settings(self, guild_id: int) -> None:
        """Drop the cached settings so the next read goes to the database (another process changed them)."""
        self._settings.pop(guild_id, None)

    async def _read_guild_settings(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetchrow(
            "SELECT help_forums, help_channels, auto_reply, helper_role, revoke FROM guild_settings"
            " WHERE guild_id = $1",
            guild_id,
        )
        if row is None:
            return GuildSettings(guild_id)
        forums, channels, auto_reply, helper_role, revoke = row
        return GuildSettings(
            guild_id=guild_id,
            help_forums=frozenset(json.loads(forums)),
            help_channels=frozenset(json.loads(channels)),
            auto_reply=bool(auto_reply),
            helper_role=helper_role,
            revoke=bool(revoke),
        )

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        await self._db.execute(
            "INSERT INTO guild_settings (guild_id, help_forums, help_channels, auto_reply, helper_role, revoke)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id) DO UPDATE SET"
            " help_forums = excluded.help_forums, help_channels = excluded.help_channels,"
            " auto_reply = excluded.auto_reply, helper_role = excluded.helper_role, revoke = excluded.revoke",
            settings.guild_id,
            json.dumps(sorted(settings.help_forums)),
            json.dumps(sorted(settings.help_channels)),
            int(settings.auto_reply),
            settings.helper_role,
            int(settings.revoke),
        )
        self._settings[settings.guild_id] = (self.clock(), settings)

    # ---- claims (leases) ---------------------------------------------------------------------------------

    async def claim(self, key: str, *, payload: Mapping[str, Any] | None = None) -> bool:
        now = self.clock()
        taken = await self._db.fetchrow(
            "INSERT INTO claims (key, at, owner, lease_until, attempts, done, payload)"
            " VALUES ($1, $2, $3, $4, 1, 0, COALESCE($5, '{}'))"
            " ON CONFLICT (key) DO UPDATE SET at = excluded.at, owner = excluded.owner,"
            " lease_until = excluded.lease_until, attempts = claims.attempts + 1,"
            " payload = COALESCE($5, claims.payload)"
            " WHERE claims.done = 0 AND claims.lease_until <= $2 RETURNING attempts",
            key, now, self.owner, now + self.lease_seconds, None if payload is None else _dump(payload),
        )
        if taken is not None and taken[0] > 1:
            claim_retried(key)
        return taken is not None

    async def complete(self, key: str, result: str | None = None) -> None:
        await self._db.execute(
            "UPDATE claims SET done = 1, result = $2, at = $3 WHERE key = $1", key, _clean(result), self.clock()
        )

    async def release(self, key: str) -> None:
        await self._db.execute(
            "UPDATE claims SET lease_until = 0 WHERE key = $1 AND owner = $2 AND done = 0", key, self.owner
        )

    async def renew(self) -> int:
        # A released claim (lease_until 0) is no longer held: renewing it would hide it from the sweep.
        return await self._db.execute(
            "UPDATE claims SET lease_until = $2 WHERE owner = $1 AND done = 0 AND lease_until > 0",
            self.owner, self.clock() + self.lease_seconds,
        )

    async def expired_claims(self, prefix: str, limit: int = 50) -> list[Claim]:
        rows = await self._db.fetch(
            f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE done = 0 AND lease_until <= $1"
            " AND substr(key, 1, $2) = $3 ORDER BY lease_until, key LIMIT $4",
            self.clock(), len(prefix), prefix, limit,
        )
        return [_claim(row) for row in rows]

    async def get_claim(self, key: str) -> Claim | None:
        row = await self._db.fetchrow(f"SELECT {_CLAIM_COLUMNS} FROM claims WHERE key = $1", key)
        return None if row is None else _claim(row)

    async def expire_leases_of_others(self) -> int:
        """Expire every open lease another owner holds (SQLite at start-up: no other process can be alive)."""
        now = self.clock()
        return await self._db.execute(
            "UPDATE claims SET lease_until = $1 WHERE done = 0 AND owner <> $2 AND lease_until > $1",
            now, self.owner,
        )

    # ---- pending revocations -----------------------------------------------------------------------------

    async def add_revocation(self, key: str, token: str, *, notify: Mapping[str, Any]) -> bool:
        changed = await self._db.execute(
            "INSERT INTO pending_revocations (key, token, notify, next_try) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (key) DO NOTHING",
            key, token, _dump(notify), self.clock(),
        )
        return changed == 1

    async def due_revocations(self, limit: int = 20) -> list[PendingRevocation]:
        # The outer `next_try <= $1` is checked again on the row a concurrent taker may have just moved, so each
        # due row goes to exactly one caller.
        now = self.clock()
        rows = await self._db.fetch(
            "UPDATE pending_revocations SET next_try = $2 WHERE next_try <= $1 AND key IN"
            " (SELECT key FROM pending_revocations WHERE next_try <= $1 ORDER BY next_try, key LIMIT $3)"
            f" RETURNING {_REVOCATION_COLUMNS}",
            now, now + self.lease_seconds, limit,
        )
        return sorted((_revocation(row) for row in rows), key=lambda r: r.key)

    async def retry_revocation(self, key: str, *, at: datetime, error: str) -> None:
        await self._db.execute(
            "UPDATE pending_revocations SET attempts = attempts + 1, next_try = $2, error = $3"
            " WHERE key = $1 AND outcome IS NULL",
            key, _epoch(at), _clean(error),
        )

    async def settle_revocation(self, key: str, *, revoked: bool) -> None:
        await self._db.execute(
            "UPDATE pending_revocations SET token = NULL, outcome = $2, next_try = $3 WHERE key = $1",
            key, REVOKED if revoked else GAVE_UP, self.clock(),
        )

    async def drop_revocation(self, key: str) -> None:
        await self._db.execute("DELETE FROM pending_revocations WHERE key = $1", key)

    async def count_revocations(self, prefix: str) -> int:
        row = await self._db.fetchrow(
            "SELECT count(*) FROM pending_revocations WHERE substr(key, 1, $1) = $2", len(prefix), prefix
        )
        assert row is not None  # count(*) answers one row
        return int(row[0])

    # ---- verdicts, feedback, diagnoses, meta ----------------------------------------------------------------

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
    ) -> None:
        await self._db.execute(
            "INSERT INTO verdict_context (message_id, guild_id, channel_id, space, details, bucket, email_draft, at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_id) DO UPDATE SET"
            " guild_id = excluded.guild_id, channel_id = excluded.channel_id, space = excluded.space,"
            " details = excluded.details, bucket = excluded.bucket, email_draft = excluded.email_draft,"
            " at = excluded.at",
            message_id, guild_id, channel_id, _clean(space), _clean(details), _clean(str(bucket)),
            _clean(email_draft), self.clock(),
        )

    async def get_verdict_context(self, message_id: int) -> VerdictContext | None:
        row = await self._db.fetchrow(
            "SELECT guild_id, channel_id, space, details, bucket, email_draft FROM verdict_context"
            " WHERE message_id = $1",
            message_id,
        )
        return None if row is None else VerdictContext(message_id, *row)

    async def record_feedback(self, message_id: int, user_id: int, helpful: bool) -> bool:
        if await self._db.execute(
            "INSERT INTO feedback (message_id, user_id, helpful, at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (message_id, user_id) DO NOTHING",
            message_id, user_id, int(helpful), self.clock(),
        ):
            return True
        await self._db.execute(
            "UPDATE feedback SET helpful = $3, at = $4 WHERE message_id = $1 AND user_id = $2",
            message_id, user_id, int(helpful), self.clock(),
        )
        return False

    async def feedback_counts(self, message_id: int) -> FeedbackCounts:
        row = await self._db.fetchrow(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE message_id = $1",
            message_id,
        )
        assert row is not None  # an aggregate always yields one row
        return FeedbackCounts(helped=int(row[0]), not_helped=int(row[1]))

    async def record_diagnosis(self, record: DiagnosisRecord) -> None:
        await self._db.execute(
            "INSERT INTO diagnoses (space, bucket, at, guild_id) VALUES ($1, $2, $3, $4)",
            _clean(record.space), _clean(str(record.bucket)), _epoch(record.at), record.guild_id,
        )

    async def recent_diagnoses(self, since: datetime) -> list[DiagnosisRecord]:
        # One row per (Space, bucket): every diagnosis reads this, and a burst of answers about a few Spaces would
        # otherwise hand each of them every row of the window (memory grew with answers × answers in flight).
        rows = await self._db.fetch(
            "SELECT space, bucket, MAX(at), MAX(guild_id) FROM diagnoses WHERE at >= $1 GROUP BY space, bucket"
            " ORDER BY 3", _epoch(since)
        )
        return [
            DiagnosisRecord(space=space, bucket=Bucket(bucket), at=datetime.fromtimestamp(at, UTC),
                            guild_id=guild_id)
            for space, bucket, at, guild_id in rows
        ]

    async def get_meta(self, key: str) -> str | None:
        row = await self._db.fetchrow("SELECT value FROM meta WHERE key = $1", key)
        return None if row is None else row[0]

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key, _clean(value),
        )

    # ---- retention ---------------------------------------------------------------------------------------

    async def prune(self, older_than: datetime) -> int:
        cutoff, now = _epoch(older_than), self.clock()
        deleted = 0
        for table in ("verdict_context", "feedback"):
            # Rows from before schema 3 carry no time: they get one full retention period from the first prune.
            await self._db.execute(f"UPDATE {table} SET at = $1 WHERE at IS NULL", now)
            deleted += await self._db.execute(f"DELETE FROM {table} WHERE at < $1", cutoff)
        deleted += await self._db.execute("DELETE FROM claims WHERE done = 1 AND at < $1", cutoff)
        deleted += await self._db.execute("DELETE FROM diagnoses WHERE at < $1", cutoff)
        return deleted

    async def close(self) -> None:
        await self._db.close()
