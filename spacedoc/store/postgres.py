"""The PostgreSQL back end (asyncpg): a connection pool shared by the store, for one or many bot processes.

Settings changes are announced with NOTIFY on `SETTINGS_CHANNEL`; every store listens on its own connection and
drops its cached copy at once, so `/spacedoc` in one process takes effect in all of them (the cache lifetime
still bounds staleness if the listening connection is lost).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from spacedoc.store.interface import GuildSettings
from spacedoc.store.schema import POSTGRESQL
from spacedoc.store.sql import SqlStore

SETTINGS_CHANNEL = "spacedoc_settings"
POOL_SIZE = 10
# Any constant shared by every process of the bot: migrations of one database run one at a time.
_MIGRATION_LOCK = 0x5DA_CED0C


def _rowcount(status: str) -> int:
    # asyncpg returns the command tag: "INSERT 0 1", "UPDATE 3", "DELETE 0".
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _Executor:
    """Statements on a pool (each on any free connection) or on one connection (inside a transaction)."""

    dialect = POSTGRESQL

    def __init__(self, target: asyncpg.Pool | asyncpg.Connection) -> None:
        self._target = target

    async def execute(self, sql: str, *args: Any) -> int:
        return _rowcount(await self._target.execute(sql, *args))

    async def fetch(self, sql: str, *args: Any) -> list[Sequence[Any]]:
        return list(await self._target.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Sequence[Any] | None:
        return await self._target.fetchrow(sql, *args)


class PostgresDatabase(_Executor):
    def __init__(self, pool: asyncpg.Pool, listener: asyncpg.Connection) -> None:
        super().__init__(pool)
        self._pool = pool
        self._listener = listener

    @classmethod
    async def open(cls, dsn: str) -> PostgresDatabase:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
        try:
            listener = await asyncpg.connect(dsn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, listener)

    async def listen(self, channel: str, on_payload: Callable[[str], None]) -> None:
        await self._listener.add_listener(channel, lambda _conn, _pid, _channel, payload: on_payload(payload))

    @asynccontextmanager
    async def migration(self) -> AsyncIterator[_Executor]:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            yield _Executor(conn)

    async def close(self) -> None:
        await self._listener.close()
        await self._pool.close()


class PostgresStore(SqlStore):
    """`SqlStore` that tells the other processes when settings change."""

    _db: PostgresDatabase

    async def listen_for_settings(self) -> None:
        await self._db.listen(SETTINGS_CHANNEL, lambda guild_id: self.forget_guild_settings(int(guild_id)))

    async def save_guild_settings(self, settings: GuildSettings) -> None:
        await super().save_guild_settings(settings)
        await self._db.execute("SELECT pg_notify($1, $2)", SETTINGS_CHANNEL, str(settings.guild_id))
