"""Persistent bot state: settings, claims (leases), pending revocations, verdict context, feedback, diagnoses.

`Store` (interface.py) is what the cogs use; `open_store(url)` picks the back end from `SPACEDOC_DB`:
a file path (or `sqlite:///path`) opens SQLite, the default for one process; `postgresql://…` opens PostgreSQL
for several processes (shards, or two replicas overlapping during a deploy). Both share one implementation
(sql.py) and one schema history with forward migrations (schema.py).

On SQLite, which serves one process, `open_store` expires every open lease a previous process left, so a restart
takes that work again at once; on PostgreSQL leases expire by time, since the other processes may be alive.
"""
from __future__ import annotations

import time

import asyncpg

from diagnosis.redact import redact
from spacedoc.store.interface import (
    GAVE_UP,
    REVOKED,
    Claim,
    FeedbackCounts,
    GuildSettings,
    PendingRevocation,
    Store,
    VerdictContext,
)
from spacedoc.store.postgres import PostgresDatabase, PostgresStore
from spacedoc.store.schema import MIGRATIONS, POSTGRESQL, SCHEMA_VERSION, SQLITE, Database, migrate
from spacedoc.store.sql import Clock, SqlStore
from spacedoc.store.sqlite import SqliteDatabase

__all__ = [
    "DEFAULT_LEASE_SECONDS", "DEFAULT_SETTINGS_TTL", "GAVE_UP", "MIGRATIONS", "REVOKED", "SCHEMA_VERSION", "Claim",
    "FeedbackCounts", "GuildSettings", "PendingRevocation", "Store", "StoreUnavailable", "VerdictContext", "backend",
    "connect", "migrate", "open_store",
]

DEFAULT_LEASE_SECONDS = 30.0
DEFAULT_SETTINGS_TTL = 5.0


class StoreUnavailable(Exception):
    """The database cannot be reached, refuses us or is named wrongly; the message is one line, without a password."""


def backend(url: str) -> tuple[str, str]:
    """(SQLITE, path) or (POSTGRESQL, dsn) for a `SPACEDOC_DB` value; ValueError for any other URL scheme."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return SQLITE, url
    if scheme.lower() in ("postgresql", "postgres"):
        return POSTGRESQL, url
    if scheme.lower() == "sqlite" and rest.startswith("/"):
        return SQLITE, rest[1:]  # sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's convention)
    raise ValueError(f"SPACEDOC_DB must be a file path, sqlite:///path or postgresql://…, got {redact(url).text!r}")


async def connect(url: str) -> Database:
    """The raw database behind a `SPACEDOC_DB` value, not migrated (tests build old schema versions with it)."""
    kind, target = backend(url)
    if kind == SQLITE:
        return await SqliteDatabase.open(target)
    return await PostgresDatabase.open(target)


async def open_store(
    url: str,
    *,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    settings_ttl: float = DEFAULT_SETTINGS_TTL,
    clock: Clock = time.time,
) -> Store:
    """Open the store `url` names (see `backend`), migrated to the current schema, with a new owner id.

    `clock` returns epoch seconds (time.time); tests pass a fake one to expire leases without sleeping.
    A database that cannot be reached, refuses us or is named wrongly raises StoreUnavailable (SQLite's own
    errors stay sqlite3.Error)."""
    try:
        db = await connect(url)
        try:
            await migrate(db)
            if isinstance(db, PostgresDatabase):
                store: SqlStore = PostgresStore(db, lease_seconds=lease_seconds, settings_ttl=settings_ttl,
                                                clock=clock)
                await store.listen_for_settings()
            else:
                store = SqlStore(db, lease_seconds=lease_seconds, settings_ttl=settings_ttl, clock=clock)
                await store.expire_leases_of_others()
        except BaseException:
            await db.close()
            raise
    except (TimeoutError, OSError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StoreUnavailable(f"cannot open the database SPACEDOC_DB={redact(url).text!r}: "
                               f"{redact(str(exc) or type(exc).__name__).text}") from exc
    return store
