"""The one client for a Discourse forum's HTTP API (aiohttp), used by everything in `forum/`.

Authentication: the `Api-Key` and `Api-Username` headers (a key in the query string only works for RSS routes).

Politeness: Discourse counts admin API requests in a sliding window, 60 per minute shared by every admin key of the
forum, and answers the 61st with a 429 (`Retry-After` and, in JSON, `extras.wait_seconds`). So the client keeps a
sliding window of its own, a little under that limit (a leaky bucket would let a burst plus a steady stream through
and get refused), and on a 429 pauses *every* request for the time the forum names before retrying. 5xx answers and
lost connections are retried with backoff; any other 4xx (422 too short or duplicate, 403, 404) is the forum's
answer, raised as `DiscourseRefused` for the caller to log in one line.

Every text it sends (a reply, an edit, a flag's message, a private message) goes through the redactor first, so a
secret that slipped into evidence never reaches the forum.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from spacedoc.sendable import clean

log = logging.getLogger(__name__)

USER_AGENT = "space-doctor (Discourse adapter)"
REQUESTS_PER_MINUTE = 55  # Discourse allows 60 per minute for all admin keys together; leave room for jitter
DEFAULT_RATE_LIMIT_WAIT = 10.0  # a 429 that names no wait (pydiscourse waits 11 s on non-JSON ones)
MAX_TRIES = 4
REQUEST_TIMEOUT = 20.0
POST_LIMIT = 32_000  # Discourse's default max_post_length
TITLE_LIMIT = 255  # Discourse's default max_topic_title_length
NOTIFY_MODERATORS = 7  # post_action_type_id of "Something else: notify the moderators" (carries a message)
GROUP_PAGE = 50


class DiscourseError(Exception):
    """The forum did not do what was asked."""


class DiscourseRefused(DiscourseError):
    """The forum answered with a 4xx (422 validation, 403 permission, 404 gone, 429 after every retry)."""

    def __init__(self, method: str, path: str, status: int, errors: list[str]) -> None:
        self.status = status
        self.errors = errors
        super().__init__(f"{method} {path}: HTTP {status}" + (f" ({'; '.join(errors)})" if errors else ""))


class DiscourseUnavailable(DiscourseError):
    """No usable answer: connection lost, timeouts, or 5xx after every retry."""


class RequestBudget:
    """At most `limit` requests in any `period` seconds, like Discourse's own RateLimiter (a sliding window of
    timestamps); `pause(seconds)` holds every request back after a 429. Clock and sleep are injectable."""

    def __init__(self, limit: int = REQUESTS_PER_MINUTE, period: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a request budget needs a positive limit and period")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        """Waits until one more request fits, then counts it."""
        async with self._lock:  # first come, first served
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.period:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.period - now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            self._sent.append(now)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)


def _wait_seconds(headers: Mapping[str, str], payload: Any) -> float:
    """How long a 429 asks us to wait: `extras.wait_seconds` (JSON, app limits) or `Retry-After` (every layer)."""
    waits = []
    extras = payload.get("extras") if isinstance(payload, dict) else None
    if isinstance(extras, dict) and isinstance(extras.get("wait_seconds"), (int, float)):
        waits.append(float(extras["wait_seconds"]))
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after.isdigit():
        waits.append(float(retry_after))
    return max(waits) if waits else DEFAULT_RATE_LIMIT_WAIT


def _errors(payload: Any) -> list[str]:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return [str(e) for e in errors] if isinstance(errors, list) else []


class DiscourseClient:
    def __init__(self, base_url: str, api_key: str, api_username: str, *, budget: RequestBudget | None = None,
                 max_tries: int = MAX_TRIES, backoff_base: float = 0.5,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        if max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.api_username = api_username
        self.budget = budget or RequestBudget(sleep=sleep)
        self._max_tries = max_tries
        self._backoff_base = backoff_base
        self._sleep = sleep
        self._session = aiohttp.ClientSession(
            headers={"Api-Key": api_key, "Api-Username": api_username, "Accept": "application/json",
                     "User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
        )
        self.reachable: bool | None = None  # what the last request found; None before the first

    async def aclose(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> DiscourseClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- reading ----

    async def user(self, username: str) -> dict[str, Any]:
        return (await self._request("GET", f"/u/{quote(username)}.json"))["user"]

    async def latest_posts(self, before: int | None = None) -> list[dict[str, Any]]:
        """The newest public posts, newest first, 50 a page; `before` pages back (posts with a lower id)."""
        params = {"before": str(before)} if before is not None else None
        return list((await self._request("GET", "/posts.json", params=params)).get("latest_posts") or [])

    async def post(self, post_id: int) -> dict[str, Any]:
        """One post with its `raw` (and `version`)."""
        return await self._request("GET", f"/posts/{post_id}.json")

    async def topic(self, topic_id: int) -> dict[str, Any]:
        """The topic: title, category, `accepted_answer` when solved, and its first posts (without raw)."""
        return await self._request("GET", f"/t/{topic_id}.json")

    async def topic_posts(self, topic_id: int, post_ids: Iterable[int]) -> list[dict[str, Any]]:
        """Posts of the topic by id (from its `post_stream.stream`; `/t/{id}.json` holds only the first chunk),
        without raw, in the topic's order."""
        params = [("post_ids[]", str(post_id)) for post_id in post_ids]
        if not params:
            return []
        page = await self._request("GET", f"/t/{topic_id}/posts.json", params=params)
        return list((page.get("post_stream") or {}).get("posts") or [])

    async def sent_private_messages(self, username: str) -> list[dict[str, Any]]:
        """The latest private messages `username` sent (a page of topics, most recently active first)."""
        page = await self._request("GET", f"/topics/private-messages-sent/{quote(username)}.json")
        return list((page.get("topic_list") or {}).get("topics") or [])

    async def group_members(self, group: str) -> set[str]:
        """Usernames (lowercase) of a group's members and owners."""
        names: set[str] = set()
        offset = 0
        while True:
            page = await self._request("GET", f"/groups/{quote(group)}/members.json",
                                       params={"limit": str(GROUP_PAGE), "offset": str(offset)})
            members = list(page.get("members") or [])
            names.update(str(m["username"]).lower() for m in members + list(page.get("owners") or []))
            offset += len(members)
            if not members or offset >= int((page.get("meta") or {}).get("total") or 0):
                return names

    # ---- writing (every text redacted) ----

    async def reply(self, topic_id: int, raw: str, *, reply_to_post_number: int | None = None) -> dict[str, Any]:
        """A new post in the topic; the created post, or `{"action": "enqueued", …}` when held for review."""
        body: dict[str, Any] = {"topic_id": topic_id, "raw": clean(raw, POST_LIMIT)}
        if reply_to_post_number is not None:
            body["reply_to_post_number"] = reply_to_post_number
        return await self._request("POST", "/posts.json", json=body)

    async def edit_post(self, post_id: int, raw: str, *, edit_reason: str) -> dict[str, Any]:
        """Replaces the post's raw; returns the post (its `version` is the revision just made)."""
        body = {"post": {"raw": clean(raw, POST_LIMIT), "edit_reason": clean(edit_reason, 1000)}}
        return (await self._request("PUT", f"/posts/{post_id}.json", json=body))["post"]

    async def rename_topic(self, topic_id: int, title: str) -> None:
        """Staff or the topic's author; the old title stays in a revision of its first post (hide it)."""
        await self._request("PUT", f"/t/-/{topic_id}.json", json={"topic": {"title": clean(title, TITLE_LIMIT)}})

    async def hide_revision(self, post_id: int, revision: int) -> None:
        """Only staff see a hidden revision (and `?version=` / `/raw/…?revision=` stop serving it)."""
        await self._request("PUT", f"/posts/{post_id}/revisions/{revision}/hide")

    async def flag_for_moderators(self, post_id: int, message: str) -> None:
        await self._request("POST", "/post_actions", json={
            "id": post_id, "post_action_type_id": NOTIFY_MODERATORS, "message": clean(message, 1000)})

    async def send_private_message(self, username: str, title: str, raw: str) -> dict[str, Any]:
        return await self._request("POST", "/posts.json", json={
            "title": clean(title, 200), "raw": clean(raw, POST_LIMIT), "archetype": "private_message",
            "target_recipients": username})

    # ---- transport ----

    async def _request(self, method: str, path: str, *,
                       params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None, json: Any = None) -> Any:
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._max_tries
            await self.budget.take()
            try:
                async with self._session.request(method, self.base_url + path, params=params, json=json) as response:
                    status, content, headers = response.status, await response.read(), response.headers
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.reachable = False
                if last:
                    raise DiscourseUnavailable(f"{method} {path}: {type(exc).__name__} after {attempt} tries") from None
                await self._sleep(self._backoff(attempt))
                continue
            self.reachable = True
            payload = _parse(content)
            if 200 <= status < 300:
                return payload if isinstance(payload, dict) else {}
            if status == 429:
                wait = _wait_seconds(headers, payload)
                log.warning("Discourse rate limit (%s) on %s %s: waiting %.0f s",
                            headers.get("Discourse-Rate-Limit-Error-Code", "429"), method, path, wait)
                if last:
                    raise DiscourseRefused(method, path, status, _errors(payload))
                self.budget.pause(wait)
            elif status >= 500:
                if last:
                    raise DiscourseUnavailable(f"{method} {path}: HTTP {status} after {attempt} tries")
                await self._sleep(self._backoff(attempt))
            else:
                raise DiscourseRefused(method, path, status, _errors(payload))

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, self._backoff_base * 2 ** (attempt - 1))


def _parse(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:  # the per-IP limiter answers in plain text
        return None
