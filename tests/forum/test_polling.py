"""The poller (`forum.polling.Poller`) against the sandbox Discourse and a real PostgreSQL store: a failure that is
not the forum's (a database error) costs the polls it lasts, not polling for good."""
from __future__ import annotations

import asyncio

import asyncpg
import pytest

from diagnosis.hub import HubClient
from forum.adapter import Forum
from forum.client import DiscourseClient
from forum.polling import Poller
from sandbox.discourse import SandboxDiscourse
from sandbox.hub import SandboxHub
from spacedoc.config import DiscourseConfig
from spacedoc.leases import Leases
from spacedoc.revocations import Revocations
from spacedoc.store import open_store

HOME = 24
BROKEN = "My Space fails to build: ERROR: Could not find a version that satisfies the requirement torch==9.9"

pytestmark = pytest.mark.timeout(60)


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def test_polling_goes_on_after_a_database_error(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with SandboxDiscourse(create_post_interval=0) as discourse, SandboxHub() as hub_server:
        config = DiscourseConfig(url=discourse.url, api_key=discourse.api_key, api_username=discourse.bot.username,
                                 categories=frozenset({HOME}))
        store = await open_store(pg_url)
        async with DiscourseClient(discourse.url, discourse.api_key, discourse.bot.username) as client, \
                HubClient(hub_server.endpoint, status_url=hub_server.status_url) as hub:
            forum = Forum(client, hub, store, config, Leases(store), Revocations(store, hub.revoke_credentials))
            await forum.start()
            poller = Poller(forum, interval=0.05)
            polling = asyncio.create_task(poller.run())
            try:
                await discourse.wait_for(lambda: discourse.requests_to("GET", r"^/posts\.json$"), timeout=10)
                alice = discourse.add_user("alice")
                first = await discourse.create_topic(alice, HOME, "Build error", BROKEN)
                await discourse.wait_for(lambda: discourse.bot_posts(first.topic_id), timeout=20)
                # A database error that is not the forum's (a failover, a migration gone wrong, a revoked grant):
                # the next polls fail, and once the table is back polling goes on
                await admin(pg_url, "ALTER TABLE meta RENAME TO meta_away")
                await discourse.wait_for(lambda: "polling the forum failed" in caplog.text, timeout=10)
                await admin(pg_url, "ALTER TABLE meta_away RENAME TO meta")
                second = await discourse.create_topic(alice, HOME, "Build error again", BROKEN)
                await discourse.wait_for(lambda: discourse.bot_posts(second.topic_id), timeout=20)
                assert not polling.done()
                assert len(discourse.bot_posts(first.topic_id)) == len(discourse.bot_posts(second.topic_id)) == 1
            finally:
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)
                await forum.close()
        await store.close()
    assert not discourse.unhandled
