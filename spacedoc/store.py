"""Persistent bot state: per-server settings, answered messages, verdict context, feedback, diagnoses.

`Store` is the interface the cogs use; `SqliteStore` is the default implementation (aiosqlite, one
file). A server-grade database can replace it when the bot runs as several shards: the one operation
that must be atomic across processes is `claim` (insert-if-absent).

Every text value that is written passes through the redactor first, so a secret that slipped into a
detail or an e-mail draft never reaches the disk. Keys are identifiers the bot builds from ids and are
stored as given: redacting them could merge distinct keys (`secret:msg:<id>:<digest>` reads like an
assignment) and break `claim`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import aiosqlite

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from diagnosis.redact import redact


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


class Store(Protocol):
    async def get_guild_settings(self, guild_id: int) -> GuildSettings: ...

    async def save_guild_settings(self, settings: GuildSettings) -> None: ...

    async def claim(self, key: str) -> bool:
        """True only for the first caller ever to claim `key` (e.g. `answer:msg:<id>`)."""
        ...

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

    async def recent_diagnoses(self, since: datetime) -> list[DiagnosisRecord]: ...

    async def get_meta(self, key: str) -> str | None: ...

    async def set_meta(self, key: str, value: str) -> None: ...

    async def close(self) -> None: ...


# Forward migrations: MIGRATIONS[n] takes the schema from version n to n + 1. Append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE guild_settings (
               guild_id INTEGER PRIMARY KEY,
               help_forums TEXT NOT NULL DEFAULT '[]',
               help_channels TEXT NOT NULL DEFAULT '[]',
               auto_reply INTEGER NOT NULL DEFAULT 1,
               helper_role INTEGER
           )""",
        "CREATE TABLE claims (key TEXT PRIMARY KEY, at REAL NOT NULL)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    (
        "ALTER TABLE guild_settings ADD COLUMN revoke INTEGER NOT NULL DEFAULT 1",
        """CREATE TABLE verdict_context (
               message_id INTEGER PRIMARY KEY,
               guild_id INTEGER,
               channel_id INTEGER NOT NULL,
               space TEXT,
               details TEXT NOT NULL,
               bucket TEXT NOT NULL,
               email_draft TEXT
           )""",
        """CREATE TABLE feedback (
               message_id INTEGER NOT NULL,
               user_id INTEGER NOT NULL,
               helpful INTEGER NOT NULL,
               PRIMARY KEY (message_id, user_id)
           )""",
        """CREATE TABLE diagnoses (
               space TEXT,
               bucket TEXT NOT NULL,
               at REAL NOT NULL,
               guild_id INTEGER
           )""",
        "CREATE INDEX diagnoses_at ON diagnoses (at)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def _clean(text: str | None) -> str | None:
    return None if text is None else redact(text).text


def _epoch(at: datetime) -> float:
    # Naive datetimes are taken as UTC so that records from every caller compare on one clock.
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).timestamp()


async def migrate(db: aiosqlite.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema forward to `target`, one transaction per step; returns the version reached."""
    await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    async with db.execute("SELECT version FROM schema_version") as cursor:
        row = await cursor.fetchone()
    version = row[0] if row else 0
    if row is None:
        await db.execute("INSERT INTO schema_version (version) VALUES (0)")
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"database schema version {version} is newer than this bot ({SCHEMA_VERSION})")
    for step in range(version, target):
        await db.execute("BEGIN")
        try:
            for statement in MIGRATIONS[step]:
                await db.execute(statement)
            await db.execute("UPDATE schema_version SET version = ?", (step + 1,))
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        await db.execute("COMMIT")
        version = step + 1
    return version


class SqliteStore:
    """`Store` on one SQLite file (or ":memory:"), autocommit: each write is its own transaction.

    Guild settings are read on every chat message and written only by admins, so they are cached in
    memory (write-through). That holds while this process is the only writer, which is what SQLite is for;
    a multi-shard deployment swaps in a server-grade store with its own invalidation."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._settings: dict[int, GuildSettings] = {}

    async def get_guild_settings(self, guild_id: int) -> GuildSettings:
        cached = self._settings.get(guild_id)
        if cached is None:
            cached = self._settings[guild_id] = await self._read_guild_settings(guild_id)
        return cached

    async def _read_guild_settings(self, guild_id: int) -> GuildSettings:
        async with self._db.execute(
            "SELECT help_forums, help_channels, auto_reply, helper_role, revoke"
            " FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        ) as cursor:
            row = await cursor.fetchone()
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
            "INSERT OR REPLACE INTO guild_settings"
            " (guild_id, help_forums, help_channels, auto_reply, helper_role, revoke)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                settings.guild_id,
                json.dumps(sorted(settings.help_forums)),
                json.dumps(sorted(settings.help_channels)),
                int(settings.auto_reply),
                settings.helper_role,
                int(settings.revoke),
            ),
        )
        self._settings[settings.guild_id] = settings

    async def claim(self, key: str) -> bool:
        cursor = await self._db.execute(
            "INSERT OR IGNORE INTO claims (key, at) VALUES (?, ?)",
            (key, datetime.now(timezone.utc).timestamp()),
        )
        return cursor.rowcount == 1

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
            "INSERT OR REPLACE INTO verdict_context"
            " (message_id, guild_id, channel_id, space, details, bucket, email_draft)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message_id, guild_id, channel_id, _clean(space), _clean(details), _clean(str(bucket)),
             _clean(email_draft)),
        )

    async def get_verdict_context(self, message_id: int) -> VerdictContext | None:
        async with self._db.execute(
            "SELECT guild_id, channel_id, space, details, bucket, email_draft"
            " FROM verdict_context WHERE message_id = ?",
            (message_id,),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else VerdictContext(message_id, *row)

    async def record_feedback(self, message_id: int, user_id: int, helpful: bool) -> bool:
        cursor = await self._db.execute(
            "INSERT INTO feedback (message_id, user_id, helpful) VALUES (?, ?, ?)"
            " ON CONFLICT (message_id, user_id) DO NOTHING",
            (message_id, user_id, int(helpful)),
        )
        if cursor.rowcount == 1:
            return True
        await self._db.execute(
            "UPDATE feedback SET helpful = ? WHERE message_id = ? AND user_id = ?",
            (int(helpful), message_id, user_id),
        )
        return False

    async def feedback_counts(self, message_id: int) -> FeedbackCounts:
        async with self._db.execute(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM feedback WHERE message_id = ?",
            (message_id,),
        ) as cursor:
            helped, not_helped = await cursor.fetchone()
        return FeedbackCounts(helped=helped, not_helped=not_helped)

    async def record_diagnosis(self, record: DiagnosisRecord) -> None:
        await self._db.execute(
            "INSERT INTO diagnoses (space, bucket, at, guild_id) VALUES (?, ?, ?, ?)",
            (_clean(record.space), _clean(str(record.bucket)), _epoch(record.at), record.guild_id),
        )

    async def recent_diagnoses(self, since: datetime) -> list[DiagnosisRecord]:
        async with self._db.execute(
            "SELECT space, bucket, at, guild_id FROM diagnoses WHERE at >= ? ORDER BY at",
            (_epoch(since),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            DiagnosisRecord(
                space=space,
                bucket=Bucket(bucket),
                at=datetime.fromtimestamp(at, timezone.utc),
                guild_id=guild_id,
            )
            for space, bucket, at, guild_id in rows
        ]

    async def get_meta(self, key: str) -> str | None:
        async with self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def set_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, _clean(value))
        )

    async def close(self) -> None:
        await self._db.close()


async def open_store(path: str) -> Store:
    """Open (creating if needed) the SQLite store at `path` and migrate it to the current schema."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        if path != ":memory:":
            # WAL lets a reader (e.g. an admin's sqlite3 shell) coexist with the bot's writes.
            await db.execute("PRAGMA journal_mode=WAL")
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return SqliteStore(db)
