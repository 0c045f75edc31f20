"""Fixtures several parts of the suite use: the sandbox Hub, the real bot against the sandbox Discord and Hub, and
PostgreSQL. (Fixtures of one part live in its own conftest.py.)

`harness` starts everything (sandbox/harness.py) and, after the test, fails it on any ERROR log record, any
request the sandbox could not route, and any secret in a request body the bot sent.

`pg_url` is a PostgreSQL database URL (a fresh schema per test) on the server `SPACEDOC_TEST_PG_DSN` names (its
user must be allowed to create schemas), else on a throwaway server started once per session (sandbox/postgres.py).
Without server binaries the PostgreSQL tests are skipped with the reason, unless `SPACEDOC_REQUIRE_PG=1` (CI): a
failure.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import asyncpg
import pytest

from sandbox import postgres as pg
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub


@pytest.fixture
async def sandbox_hub() -> AsyncIterator[SandboxHub]:
    async with SandboxHub() as hub:
        yield hub


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    h = BotHarness(str(tmp_path / "spacedoc.sqlite3"))
    await h.start()
    try:
        yield h
    finally:
        await h.close()
    h.check_clean()


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A PostgreSQL server for the whole session: `SPACEDOC_TEST_PG_DSN`, else one started here on loopback."""
    given = os.environ.get("SPACEDOC_TEST_PG_DSN", "").strip()
    if given:
        yield given
        return
    if pg.binaries() is None:
        reason = ("no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql package or set "
                  "SPACEDOC_TEST_PG_DSN")
        if os.environ.get("SPACEDOC_REQUIRE_PG"):
            pytest.fail(f"SPACEDOC_REQUIRE_PG is set but there is {reason}", pytrace=False)
        pytest.skip(reason)
    # Not under pytest's tmp_path: its parents are private to us, and the server may run as another user.
    home = Path(tempfile.mkdtemp(prefix="spacedoc-pg-"))
    try:
        yield pg.start(home)
    finally:
        pg.stop(home)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def pg_url(pg_dsn: str) -> AsyncIterator[str]:
    """A database URL whose tables live in a schema of their own, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex}"
    admin = await asyncpg.connect(pg_dsn)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        parts = urlsplit(pg_dsn)
        # asyncpg passes unknown query parameters on as server settings: every connection uses the schema.
        query = urlencode(parse_qsl(parts.query) + [("search_path", schema)])
        yield parts._replace(query=query).geturl()
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
