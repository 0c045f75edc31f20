"""One schema history for every back end: versions, forward migrations, and the SQL both databases accept.

Statements are written once, in the SQL that SQLite and PostgreSQL share, with PostgreSQL's `$1` parameters
(`Database` adapters translate for SQLite). The only dialect difference in the DDL is integer and float width:
SQLite's INTEGER and REAL are 64-bit, PostgreSQL's are 32-bit, and Discord ids need 64 bits, so PostgreSQL reads
them as BIGINT and DOUBLE PRECISION.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class Connection(Protocol):
    """The few operations the store needs from a database connection (or pool)."""

    dialect: str

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; returns how many rows it inserted, updated or deleted."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None: ...


class Database(Connection, Protocol):
    def migration(self) -> AbstractAsyncContextManager[Connection]:
        """One transaction that no other process migrating the same database can interleave with."""
        ...

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
    (
        # Claims become leases. A claim made before this version was a tombstone taken just before answering:
        # it counts as done. `at` is when a claim was last taken or completed (what retention goes by).
        "ALTER TABLE claims ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE claims ADD COLUMN lease_until REAL NOT NULL DEFAULT 0",
        "ALTER TABLE claims ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE claims ADD COLUMN done INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE claims ADD COLUMN result TEXT",
        "ALTER TABLE claims ADD COLUMN payload TEXT NOT NULL DEFAULT '{}'",
        "UPDATE claims SET done = 1",
        "CREATE INDEX claims_open ON claims (done, lease_until)",
        "CREATE INDEX claims_at ON claims (at)",
        # Retention needs an age; rows written before this version have none until the first prune stamps them.
        "ALTER TABLE verdict_context ADD COLUMN at REAL",
        "CREATE INDEX verdict_context_at ON verdict_context (at)",
        "ALTER TABLE feedback ADD COLUMN at REAL",
        "CREATE INDEX feedback_at ON feedback (at)",
        """CREATE TABLE pending_revocations (
               key TEXT PRIMARY KEY,
               token TEXT,
               notify TEXT NOT NULL,
               attempts INTEGER NOT NULL DEFAULT 0,
               next_try REAL NOT NULL,
               outcome TEXT,
               error TEXT
           )""",
        "CREATE INDEX pending_revocations_next_try ON pending_revocations (next_try)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_POSTGRES_TYPES = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION"}
_TYPE_NAME = re.compile(r"\b(INTEGER|REAL)\b")


def ddl(statement: str, dialect: str) -> str:
    """A migration statement as `dialect` must read it."""
    if dialect == POSTGRESQL:
        return _TYPE_NAME.sub(lambda m: _POSTGRES_TYPES[m.group(1)], statement)
    return statement


async def migrate(db: Database, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema forward to `target` in one transaction (all steps or none); returns the version reached.
    Refuses a database whose schema is newer than this code."""
    async with db.migration() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = await conn.fetchrow("SELECT version FROM schema_version")
        version = row[0] if row else 0
        if row is None:
            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"database schema version {version} is newer than this bot ({SCHEMA_VERSION})")
        for step in range(version, target):
            for statement in MIGRATIONS[step]:
                await conn.execute(ddl(statement, conn.dialect))
            version = step + 1
        await conn.execute("UPDATE schema_version SET version = $1", version)
    return version
