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
    def __init__(self, discourse: SandboxDiscourse, forum: Forum) -> None:
        self.discourse, self.forum = discourse, forum

    async def post(self, post: Any) -> None:
        """The adapter handles the post as a webhook brings it (and does all its work before returning)."""
        await self.forum.handle(self.discourse.post_json(post, webhook=True))


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with SandboxDiscourse(create_post_interval=0) as discourse, SandboxHub() as hub_server:
        config = DiscourseConfig(url=discourse.url, api_key=discourse.api_key, api_username=discourse.bot.username,
                                 categories=frozenset({HOME}))
        store = await open_store(str(tmp_path / "forum.sqlite3"))
        async with DiscourseClient(discourse.url, discourse.api_key, discourse.bot.username) as client, \
                HubClient(hub_server.endpoint, status_url=hub_server.status_url) as hub:
            forum = Forum(client, hub, store, config, Leases(store), Revocations(store, hub.revoke_credentials))
            await forum.start()
            yield Site(discourse, forum)
            await forum.close()
        await store.close()
    assert not discourse.unhandled
