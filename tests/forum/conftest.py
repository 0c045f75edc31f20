"""The Discourse adapter (`forum.adapter.Forum`) with its real client against the sandbox Discourse and Hub, for the
tests that act as people on the forum and hand the adapter each post as a webhook would."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from diagnosis.hub import HubClient
from forum.adapter import Forum
from forum.client import DiscourseClient
from sandbox.discourse import SandboxDiscourse
from sandbox.hub import SandboxHub
from spacedoc.config import DiscourseConfig
from spacedoc.leases import Leases
from spacedoc.revocations import Revocations
from spacedoc.store import open_store

HOME = 24


class Site:
    def __init__(self, discourse: SandboxDiscourse, forum: Forum, leases: Leases) -> None:
        self.discourse, self.forum, self.leases = discourse, forum, leases

    async def post(self, post: Any) -> None:
        """The adapter handles the post as a webhook brings it (and does all its work before returning)."""
        await self.forum.handle(self.discourse.post_json(post, webhook=True))


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with SandboxDiscourse(create_post_interval=0) as discourse, SandboxHub() as hub_server:
        config = DiscourseConfig(url=discourse.url, api_key=discourse.api_key, api_username=discourse.bot.username,
                                 categories=frozenset({HOME}))
        store = await open_store(str(tmp_path / "forum.sqlite3"))
        # backoff_base 0: a 5xx is retried at once (no real sleep)
        async with DiscourseClient(discourse.url, discourse.api_key, discourse.bot.username,
                                   backoff_base=0) as client, \
                HubClient(hub_server.endpoint, status_url=hub_server.status_url) as hub:
            leases = Leases(store)
            forum = Forum(client, hub, store, config, leases, Revocations(store, hub.revoke_credentials))
            await forum.start()
            yield Site(discourse, forum, leases)
            await forum.close()
        await store.close()
    assert not discourse.unhandled
