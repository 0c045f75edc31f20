"""The SQLite back end (aiosqlite): one file, one process, autocommit (each statement its own transaction)."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from spacedoc.store.schema import SQLITE

_PARAMETER = re.compile(r"\$(\d+)")

# Several connections to one file (tests; an admin's shell) wait this long for each other's writes.
BUSY_TIMEOUT_SECONDS = 10.0


class SqliteDatabase:
    dialect = SQLITE

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    @classmethod
    async def open(cls, path: str) -> SqliteDatabase:
        db = await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            if path != ":memory:":
                # WAL lets a reader (e.g. an admin's sqlite3 shell) coexist with the bot's writes. The cursor is
                # closed at once: a pragma's unread result keeps its statement open, which blocks DROP TABLE.
                async with db.execute("PRAGMA journal_mode=WAL"):
                    pass
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @staticmethod
    def _sql(sql: str) -> str:
        # The store's statements use PostgreSQL's `$n`; SQLite's numbered form of the same is `?n`.
        return _PARAMETER.sub(r"?\1", sql)

    # One round trip to aiosqlite's thread per call. A statement without result rows is finished once executed,
    # so its cursor needs no explicit close (an extra round trip).
    async def execute(self, sql: str, *args: Any) -> int:
        cursor = await self._db.execute(self._sql(sql), args)
        return cursor.rowcount

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._db.execute_fetchall(self._sql(sql), args))

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    @asynccontextmanager
    async def migration(self) -> AsyncIterator[SqliteDatabase]:
        # IMMEDIATE takes the write lock up front: a second connection migrating waits instead of interleaving.
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        await self._db.execute("COMMIT")

    async def close(self) -> None:
        await self._db.close()
