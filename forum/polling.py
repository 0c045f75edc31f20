"""Reading a forum's new posts from `GET /posts.json`: every few seconds where the bot is an ordinary account.

`/posts.json` lists the newest public posts, newest first, 50 a page; `before=<id>` pages back. Each poll reads
pages back until it reaches the last post id it handled (kept in the store), then handles the new posts oldest
first, storing each one's id once its work is claimed: a gap, a burst of posts or a restart loses none. The very
first poll on a new database only notes where the forum is (the bot does not answer the forum's history).

With webhooks the same reading runs at start and every few minutes: it finds the posts that no delivery brought
(Discourse does not retry a failed one by default); claims keep a post both paths bring answered once.

Polling sees new posts, not edits: a secret added by an edit is caught only with webhooks.
"""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from forum.adapter import Forum, ForumPost
from forum.client import DiscourseError

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, forum: Forum, interval: float) -> None:
        self.forum = forum
        self.interval = interval
        self.meta_key = f"discourse:last-post-id:{urlsplit(forum.config.url).netloc}"

    async def run(self) -> None:
        """Polls until cancelled; a failed poll is one warning line and the next one tries again."""
        while True:
            try:
                with self.forum.work.during():
                    await self.poll_once()
            except DiscourseError as exc:
                log.warning("polling the forum failed: %s", exc)
            except Exception:  # a store hiccup or a bug must not end polling for good (nothing would notice)
                log.exception("polling the forum failed; trying again in %gs", self.interval)
            await asyncio.sleep(self.interval)

    async def poll_once(self) -> int:
        """Handles every post newer than the last one handled; returns how many there were."""
        store = self.forum.store
        stored = await store.get_meta(self.meta_key)
        last = int(stored) if stored is not None else None
        fresh = await self._posts_after(last)
        if last is None:
            newest = max((p.id for p in fresh), default=0)
            await store.set_meta(self.meta_key, str(newest))
            log.info("first poll of the forum: starting after post %d", newest)
            return 0
        for post in sorted(fresh, key=lambda p: p.id):
            units = await self.forum.accept_post(post)
            try:
                await store.set_meta(self.meta_key, str(post.id))
            finally:  # claimed units are this process's to do: the next poll cannot claim them again
                await self.forum.run_units(units)
        return len(fresh)

    async def _posts_after(self, last: int | None) -> list[ForumPost]:
        """Posts with an id above `last` (the first page only when there is no `last`)."""
        seen: dict[int, ForumPost] = {}
        before: int | None = None
        while True:
            page = [p for p in map(ForumPost.from_json, await self.forum.client.latest_posts(before))
                    if p is not None]
            seen.update((p.id, p) for p in page if last is None or p.id > last)
            lowest = min((p.id for p in page), default=None)
            if last is None or lowest is None or lowest <= last + 1 or (before is not None and lowest >= before):
                return list(seen.values())
            before = lowest
