"""A loopback Discourse forum: the API routes Space Doctor uses, shaped like the real ones, and signed webhooks.

A real aiohttp server on 127.0.0.1 (random free port). Tests and the demo act as people through the helper
methods (`add_user`, `create_topic`, `reply`, `edit`, `accept_answer`, `send_private_message`) and read what the
bot did from the recorded requests and the forum's state (posts, revisions, flags, private messages).

It follows the real forum where a bot can get it wrong (sources: shared reference `discourse.md`):
- `Api-Key` + `Api-Username` headers; a wrong key or unknown user gets 403 `invalid_access`;
- every API request counts against one sliding window, 60 a minute (`admin_api_min`), answered past it by 429 JSON
  `{"errors", "error_type": "rate_limit", "extras": {"wait_seconds"}}` with `Retry-After` and
  `Discourse-Rate-Limit-Error-Code`; `inject_rate_limit()` serves such 429s on demand;
- creating a post: 422 `{"errors": [...]}` when the body is too short (20) or, for a non-staff account, the same as
  its own post of the last 5 minutes; non-staff accounts may create one post every 5 s (429 otherwise); staff skip
  both checks;
- `/posts.json`: newest public posts first (no private messages, no hidden posts, regular posts only), 50 a page,
  `before=<id>` for older ones; `/t/{id}.json` has no `raw`, has `accepted_answer` only when solved, and holds only
  the first TOPIC_CHUNK posts (`post_stream.stream` lists every id; `/t/{id}/posts.json?post_ids[]=…` reads others);
- an edit by anyone but the author (or by the author after the 5-minute grace period or with a larger change)
  makes a revision holding the old and the new text; revisions are public unless hidden, and only staff may edit
  other people's posts or hide revisions (403 otherwise); renaming a topic (`PUT /t/-/{id}.json`, staff or its
  author) is a revision of its first post holding both titles;
- webhooks (once `webhook_url` is set): each event POSTed with `X-Discourse-Event`, `X-Discourse-Event-Type`,
  `X-Discourse-Event-Id` (new for every delivery) and, when a secret is set, `X-Discourse-Event-Signature:
  sha256=<hex HMAC-SHA256 of the body>`; a new topic sends `topic_created` then `post_created`; an edit of a first
  post that renames the topic sends `topic_edited` only; the bot's own posts are delivered too. `redeliver()` sends
  a stored event again as Discourse's retries do: same body, new event id.
"""
from __future__ import annotations

import asyncio
import difflib
import hashlib
import hmac
import html
import itertools
import json
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.loopback import LoopbackServer
from sandbox.recording import RECORD, InjectedFault, RecordedRequest, take_fault

log = logging.getLogger(__name__)

MIN_POST_LENGTH = 20
UNIQUE_POSTS_SECONDS = 5 * 60
CREATE_POST_INTERVAL = 5.0  # rate_limit_create_post: non-staff accounts, one post per this many seconds
EDITING_GRACE_PERIOD = 300.0
EDITING_GRACE_MAX_DIFF = 100
ADMIN_API_PER_MINUTE = 60
LATEST_PAGE = 50
TOPIC_CHUNK = 20
PRIVATE_MESSAGES_PAGE = 30
NOTIFY_MODERATORS = 7
POLL_INTERVAL = 0.01

INVALID_ACCESS = "You are not permitted to view the requested resource."
INVALID_CREDENTIALS = INVALID_ACCESS + " The API username or key is invalid."


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json",
                        headers=headers)


def _errors(status: int, *errors: str, error_type: str | None = None) -> web.Response:
    body: dict[str, Any] = {"errors": list(errors)}
    if error_type:
        body["error_type"] = error_type
    return _json(body, status)


def _rate_limited(wait: int, code: str | None = None) -> web.Response:
    headers = {"Retry-After": str(wait)}
    if code:
        headers["Discourse-Rate-Limit-Error-Code"] = code
    return _json({"errors": [f"You’ve performed this action too many times. Please wait {wait} seconds before "
                             "trying again."], "error_type": "rate_limit",
                  "extras": {"wait_seconds": wait, "time_left": f"{wait} seconds"}}, 429, headers)


def _same_text(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a).lower() == re.sub(r"\s+", "", b).lower()


def _changed_chars(before: str, after: str) -> int:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")


@dataclass(slots=True)
class User:
    id: int
    username: str
    admin: bool = False
    moderator: bool = False
    groups: set[str] = field(default_factory=set)

    @property
    def staff(self) -> bool:
        return self.admin or self.moderator


@dataclass(slots=True)
class Revision:
    number: int  # the post version this revision produced
    before: str
    after: str
    editor: str
    edit_reason: str | None
    hidden: bool = False
    titles: tuple[str, str] | None = None  # a first post's revision also records a rename of its topic (old, new)


@dataclass(slots=True)
class Post:
    id: int
    topic_id: int
    post_number: int
    user: User
    raw: str
    created: float
    reply_to_post_number: int | None = None
    post_type: int = 1
    version: int = 1
    hidden: bool = False
    edit_reason: str | None = None
    last_edit: float = 0.0  # when the current version was made (the grace period counts from it)
    revisions: dict[int, Revision] = field(default_factory=dict)


@dataclass(slots=True)
class Topic:
    id: int
    title: str
    category_id: int | None
    user: User
    created: float
    archetype: str = "regular"
    closed: bool = False
    archived: bool = False
    accepted_post_id: int | None = None
    allowed: set[str] = field(default_factory=set)  # private message: who may read it
    post_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Flag:
    post_id: int
    by: str
    post_action_type_id: int
    message: str


@dataclass(slots=True)
class Delivery:
    event_id: int
    event: str
    event_type: str
    body: bytes
    status: int | None = None  # the bot's answer; -1 when it could not be reached


class SandboxDiscourse(LoopbackServer):
    """Use as `async with SandboxDiscourse() as forum:`; point the bot at `forum.url` with `forum.api_key`."""

    def __init__(self, *, bot_username: str = "space-doctor", bot_staff: bool = True,
                 categories: dict[int, str] | None = None, webhook_secret: str | None = None,
                 create_post_interval: float = CREATE_POST_INTERVAL,
                 admin_api_per_minute: int = ADMIN_API_PER_MINUTE) -> None:
        super().__init__()
        self.api_key = "sandbox-key-" + secrets.token_hex(16)  # deliberately not a known credential shape
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self.create_post_interval = create_post_interval
        self.admin_api_per_minute = admin_api_per_minute
        self.categories = dict(categories if categories is not None else {24: "spaces", 5: "general"})
        self._ids = itertools.count(1)
        self._post_ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        self.users: dict[str, User] = {}
        self.system = self.add_user("system", admin=True)
        self.bot = self.add_user(bot_username, moderator=bot_staff)
        self.topics: dict[int, Topic] = {}
        self.posts: dict[int, Post] = {}
        self.flags: list[Flag] = []
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.deliveries: list[Delivery] = []
        self._faults: list[InjectedFault] = []
        self._api_calls: deque[float] = deque()
        self._last_create: dict[str, float] = {}
        self._outbox: asyncio.Queue[Delivery] | None = None
        self._sending = asyncio.Event()
        self._sending.set()
        self._courier: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # ---- lifecycle ----

    async def start(self) -> SandboxDiscourse:
        app = web.Application(middlewares=[self._middleware])
        for method, path, handler in self._routes():
            app.router.add_route(method, path, handler)
        app.router.add_route("*", "/{tail:.*}", self._unhandled)
        await self._serve(app, handle_signals=False)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20))
        self._outbox = asyncio.Queue()
        self._courier = asyncio.create_task(self._deliver_forever(), name="sandbox-discourse-webhooks")
        return self

    async def close(self) -> None:
        if self._courier is not None:
            self._courier.cancel()
            await asyncio.gather(self._courier, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        await self._stop_serving()

    # ---- the world: people and what they do ----

    def add_user(self, username: str, *, admin: bool = False, moderator: bool = False,
                 groups: Iterable[str] = ()) -> User:
        user = User(next(self._ids), username, admin=admin, moderator=moderator, groups=set(groups))
        self.users[username.lower()] = user
        return user

    def _new_topic(self, user: User, title: str, category_id: int | None, archetype: str = "regular") -> Topic:
        topic = Topic(next(self._ids), title, category_id, user, time.time(), archetype=archetype)
        self.topics[topic.id] = topic
        return topic

    def _new_post(self, topic: Topic, user: User, raw: str, reply_to: int | None = None) -> Post:
        now = time.time()
        post = Post(next(self._post_ids), topic.id, len(topic.post_ids) + 1, user, raw, now,
                    reply_to_post_number=reply_to, last_edit=now)
        self.posts[post.id] = post
        topic.post_ids.append(post.id)
        return post

    async def create_topic(self, user: User, category_id: int, title: str, raw: str) -> Post:
        """A new topic by `user`; webhooks `topic_created`, then `post_created` for its first post."""
        topic = self._new_topic(user, title, category_id)
        post = self._new_post(topic, user, raw)
        self._emit("topic_created", "topic", {"topic": self.topic_json(topic, webhook=True)})
        self._emit("post_created", "post", {"post": self.post_json(post, webhook=True)})
        return post

    async def reply(self, user: User, topic_id: int, raw: str, *, reply_to: int | None = None) -> Post:
        post = self._new_post(self.topics[topic_id], user, raw, reply_to)
        self._emit("post_created", "post", {"post": self.post_json(post, webhook=True)})
        return post

    async def send_private_message(self, user: User, to: Iterable[str], title: str, raw: str) -> Post:
        topic = self._new_topic(user, title, None, archetype="private_message")
        topic.allowed = {user.username.lower(), *(name.lower() for name in to)}
        post = self._new_post(topic, user, raw)
        self._emit("post_created", "post", {"post": self.post_json(post, webhook=True)})
        return post

    async def edit(self, user: User, post_id: int, raw: str, *, title: str | None = None) -> Post:
        """`user` edits the post (and, for a first post, may rename the topic)."""
        post = self.posts[post_id]
        topic = self.topics[post.topic_id]
        renamed = title is not None and post.post_number == 1 and title != topic.title
        self._revise(post, user, raw, None, title=title if renamed else None)
        if renamed:
            self._emit("topic_edited", "topic", {"topic": self.topic_json(topic, webhook=True)})
        else:
            self._emit("post_edited", "post", {"post": self.post_json(post, webhook=True)})
        return post

    def _revise(self, post: Post, editor: User, raw: str, edit_reason: str | None, *, title: str | None = None) -> None:
        """PostRevisor: a rename of the topic is a revision of its first post too (old and new title kept)."""
        now = time.time()
        topic = self.topics[post.topic_id]
        titles = (topic.title, title) if title is not None and title != topic.title else None
        ninja = (editor.id == post.user.id and now - post.last_edit < EDITING_GRACE_PERIOD
                 and _changed_chars(post.raw, raw) <= EDITING_GRACE_MAX_DIFF)
        if not ninja:
            post.version += 1
            post.revisions[post.version] = Revision(post.version, post.raw, raw, editor.username, edit_reason,
                                                    titles=titles)
            post.last_edit = now
        post.raw, post.edit_reason = raw, edit_reason
        if titles is not None:
            topic.title = titles[1]

    def accept_answer(self, post_id: int) -> None:
        post = self.posts[post_id]
        self.topics[post.topic_id].accepted_post_id = post.id

    # ---- what tests read ----

    def bot_posts(self, topic_id: int | None = None) -> list[Post]:
        return [p for p in self.posts.values() if p.user is self.bot and (topic_id is None or p.topic_id == topic_id)
                and self.topics[p.topic_id].archetype == "regular"]

    def private_messages_to(self, username: str) -> list[Post]:
        """First posts of the private messages `username` received (from anyone else)."""
        return [self.posts[t.post_ids[0]] for t in self.topics.values()
                if t.archetype == "private_message" and username.lower() in t.allowed
                and t.user.username.lower() != username.lower()]

    def public_text(self, post_id: int) -> str:
        """Everything someone who is not staff can still read of the post: its text and its visible revisions."""
        post = self.posts[post_id]
        if post.hidden:
            return ""
        visible = [r for r in post.revisions.values() if not r.hidden]
        texts = [post.raw] + [t for r in visible for t in (r.before, r.after)]
        if post.post_number == 1:  # its topic's title, and the titles its revisions recorded
            texts += [self.topics[post.topic_id].title] + [t for r in visible for t in r.titles or ()]
        return "\n".join(texts)

    def requests_to(self, method: str, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        async def until() -> Any:
            while not (value := predicate()):
                await asyncio.sleep(POLL_INTERVAL)
            return value
        return await asyncio.wait_for(until(), timeout)

    # ---- faults ----

    def inject_rate_limit(self, method: str = "*", path_pattern: str = "", *, times: int = 1,
                          wait_seconds: int = 1) -> None:
        """The next `times` matching API calls get the admin API limit's 429."""
        self._faults.append(InjectedFault.of(method, path_pattern, times,
                                             lambda: _rate_limited(wait_seconds, "admin_api_key_rate_limit")))

    def inject_error(self, method: str, path_pattern: str, status: int, *errors: str, times: int = 1,
                     body_pattern: str = "") -> None:
        """The next `times` matching calls (`body_pattern`: whose JSON body it is found in) get `status`."""
        self._faults.append(InjectedFault.of(method, path_pattern, times, lambda: _errors(status, *errors),
                                             body_pattern=body_pattern))

    # ---- webhooks ----

    def _emit(self, event: str, event_type: str, payload: dict[str, Any]) -> None:
        if self.webhook_url is None or self._outbox is None:
            return
        delivery = Delivery(next(self._event_ids), event, event_type, json.dumps(payload).encode())
        self._outbox.put_nowait(delivery)

    def hold_webhooks(self) -> None:
        """Events queue up undelivered (a busy job queue) until `release_webhooks()`."""
        self._sending.clear()

    def release_webhooks(self) -> None:
        self._sending.set()

    @property
    def holding_webhooks(self) -> bool:
        return not self._sending.is_set()

    async def redeliver(self, event_id: int) -> Delivery:
        """Sends a delivered event again the way Discourse retries one: the same body, a new event id."""
        original = next(d for d in self.deliveries if d.event_id == event_id)
        again = Delivery(next(self._event_ids), original.event, original.event_type, original.body)
        await self._deliver(again)
        return again

    def signature(self, body: bytes) -> str:
        assert self.webhook_secret is not None
        return "sha256=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    async def post_raw_webhook(self, body: bytes, headers: dict[str, str]) -> int:
        """POSTs anything to the bot's webhook URL (e.g. a forged delivery); returns the status."""
        assert self.webhook_url is not None and self._session is not None
        async with self._session.post(self.webhook_url, data=body, headers=headers) as response:
            return response.status

    async def _deliver_forever(self) -> None:
        assert self._outbox is not None
        while True:
            delivery = await self._outbox.get()
            await self._sending.wait()
            await self._deliver(delivery)
            self._outbox.task_done()

    async def _deliver(self, delivery: Delivery) -> None:
        assert self._session is not None and self.webhook_url is not None
        headers = {"Content-Type": "application/json", "User-Agent": "Discourse/3.5.0", "Accept": "*/*",
                   "X-Discourse-Instance": self.url, "X-Discourse-Event-Id": str(delivery.event_id),
                   "X-Discourse-Event-Type": delivery.event_type, "X-Discourse-Event": delivery.event}
        if self.webhook_secret:
            headers["X-Discourse-Event-Signature"] = self.signature(delivery.body)
        self.deliveries.append(delivery)
        try:
            async with self._session.post(self.webhook_url, data=delivery.body, headers=headers) as response:
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError):
            delivery.status = -1

    async def deliveries_done(self, timeout: float = 10.0) -> None:
        assert self._outbox is not None
        await asyncio.wait_for(self._outbox.join(), timeout)

    # ---- serializers ----

    def user_fields(self, user: User) -> dict[str, Any]:
        return {"username": user.username, "name": user.username, "user_id": user.id, "admin": user.admin,
                "moderator": user.moderator, "staff": user.staff, "trust_level": 4 if user.staff else 1,
                "primary_group_name": next(iter(sorted(user.groups)), None)}

    def post_json(self, post: Post, *, webhook: bool = False, raw: bool = True) -> dict[str, Any]:
        topic = self.topics[post.topic_id]
        data = {
            "id": post.id, **self.user_fields(post.user), "avatar_template": "/letter_avatar/{size}.png",
            "created_at": _iso(post.created), "updated_at": _iso(post.last_edit),
            "cooked": f"<p>{html.escape(post.raw)}</p>", "post_number": post.post_number,
            "post_type": post.post_type, "reply_count": 0, "reply_to_post_number": post.reply_to_post_number,
            "topic_id": topic.id, "topic_slug": f"topic-{topic.id}", "topic_title": topic.title,
            "category_id": topic.category_id, "display_username": post.user.username, "version": post.version,
            "hidden": post.hidden, "deleted_at": None, "user_deleted": False, "edit_reason": post.edit_reason,
            "wiki": False,
        }
        if raw:
            data["raw"] = post.raw
        if webhook:
            data |= {"topic_posts_count": len(topic.post_ids), "topic_archetype": topic.archetype,
                     "category_slug": self.categories.get(topic.category_id or 0)}
        return data

    def topic_json(self, topic: Topic, *, webhook: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": topic.id, "title": topic.title, "fancy_title": html.escape(topic.title),
            "slug": f"topic-{topic.id}", "posts_count": len(topic.post_ids), "created_at": _iso(topic.created),
            "category_id": topic.category_id, "archetype": topic.archetype, "closed": topic.closed,
            "archived": topic.archived, "visible": True, "user_id": topic.user.id,
        }
        if topic.accepted_post_id is not None:
            answer = self.posts[topic.accepted_post_id]
            data["accepted_answer"] = {"post_number": answer.post_number, "username": answer.user.username,
                                       "name": answer.user.username, "excerpt": answer.raw[:100]}
        creator = {"id": topic.user.id, "username": topic.user.username}
        if webhook:
            return data | {"created_by": creator, "last_poster": creator}
        posts = [self.post_json(self.posts[pid], raw=False) for pid in topic.post_ids[:TOPIC_CHUNK]]
        return data | {"details": {"created_by": creator},
                       "post_stream": {"posts": posts, "stream": list(topic.post_ids)}}

    # ---- HTTP ----

    def _routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        return [
            ("GET", "/posts.json", self._latest_posts),
            ("POST", "/posts.json", self._create_post),
            ("GET", "/posts/{id:\\d+}.json", self._get_post),
            ("PUT", "/posts/{id:\\d+}.json", self._update_post),
            ("GET", "/posts/{id:\\d+}/revisions/{n:\\d+}.json", self._get_revision),
            ("PUT", "/posts/{id:\\d+}/revisions/{n:\\d+}/hide", self._hide_revision),
            ("GET", "/t/{id:\\d+}.json", self._get_topic),
            ("GET", "/t/{id:\\d+}/posts.json", self._get_topic_posts),
            ("PUT", "/t/{slug}/{id:\\d+}.json", self._update_topic),
            ("POST", "/post_actions", self._create_post_action),
            ("GET", "/u/{username}.json", self._get_user),
            ("GET", "/groups/{name}/members.json", self._group_members),
            ("GET", "/topics/private-messages-sent/{username}.json", self._private_messages_sent),
        ]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = {"unparsable": raw.decode(errors="replace")}
        record = RecordedRequest(request.method, request.path, dict(request.query), body,
                                 request.headers.get("Api-Username"))
        self.requests.append(record)
        request[RECORD] = record
        response = (take_fault(self._faults, request.method, request.path, body=record.text())
                    or self._authenticate(request) or self._admin_limit())
        if response is None:
            try:
                response = await handler(request)
            except KeyError:  # an id the forum does not know
                response = _errors(404, "The requested URL or resource could not be found.", error_type="not_found")
        record.status = response.status
        return response

    def _authenticate(self, request: web.Request) -> web.Response | None:
        username = (request.headers.get("Api-Username") or "").lower()
        if request.headers.get("Api-Key") != self.api_key or username not in self.users:
            return _errors(403, INVALID_CREDENTIALS, error_type="invalid_access")
        return None

    def _admin_limit(self) -> web.Response | None:
        """`admin_api_min`: all API keys together, `admin_api_per_minute` requests in any 60 s."""
        now = time.monotonic()
        while self._api_calls and self._api_calls[0] <= now - 60:
            self._api_calls.popleft()
        if len(self._api_calls) >= self.admin_api_per_minute:
            return _rate_limited(max(1, round(self._api_calls[0] + 60 - now)), "admin_api_key_rate_limit")
        self._api_calls.append(now)
        return None

    def _acting(self, request: web.Request) -> User:
        return self.users[(request.headers.get("Api-Username") or "").lower()]

    async def _unhandled(self, request: web.Request) -> web.Response:
        self.unhandled.append(request[RECORD])
        log.warning("sandbox Discourse: unhandled %s %s", request.method, request.path)
        return _errors(404, "The requested URL or resource could not be found.", error_type="not_found")

    def _can_see(self, user: User, topic: Topic) -> bool:
        return topic.archetype == "regular" or user.staff or user.username.lower() in topic.allowed

    async def _latest_posts(self, request: web.Request) -> web.Response:
        before = request.query.get("before", "")
        posts = sorted((p for p in self.posts.values()
                        if self.topics[p.topic_id].archetype == "regular" and not p.hidden and p.post_type == 1
                        and (not before.isdigit() or p.id < int(before))), key=lambda p: -p.id)
        return _json({"latest_posts": [self.post_json(p) for p in posts[:LATEST_PAGE]]})

    async def _get_post(self, request: web.Request) -> web.Response:
        user, post = self._acting(request), self.posts[int(request.match_info["id"])]
        if not self._can_see(user, self.topics[post.topic_id]):
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        return _json(self.post_json(post, raw=not post.hidden or user.staff or user is post.user))

    async def _get_topic(self, request: web.Request) -> web.Response:
        topic = self.topics[int(request.match_info["id"])]
        if not self._can_see(self._acting(request), topic):
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        return _json(self.topic_json(topic))

    async def _get_topic_posts(self, request: web.Request) -> web.Response:
        """`post_ids[]=…`: those of the topic's posts (others ignored), in the topic's order, without raw; without
        ids, the chunk after `post_number` (TopicView's `filter_posts_by_ids` / `filter_posts_by_post_number`)."""
        topic = self.topics[int(request.match_info["id"])]
        if not self._can_see(self._acting(request), topic):
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        asked = {int(i) for i in request.query.getall("post_ids[]", []) if i.isdigit()}
        if asked:
            ids = [pid for pid in topic.post_ids if pid in asked]
        else:
            after = int(request.query.get("post_number", "0") or 0)
            ids = [pid for pid in topic.post_ids if self.posts[pid].post_number > after][:TOPIC_CHUNK]
        return _json({"post_stream": {"posts": [self.post_json(self.posts[pid], raw=False) for pid in ids]},
                      "id": topic.id})

    async def _update_topic(self, request: web.Request) -> web.Response:
        """`PUT /t/{slug}/{id}.json {"topic": {"title"}}` (any slug, e.g. "-"): staff or the topic's author; the
        rename goes through the first post's revisor (a revision holding both titles) and sends `topic_edited`."""
        user, topic = self._acting(request), self.topics[int(request.match_info["id"])]
        if not (user.staff or user is topic.user):
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        body = await request.json()
        changes = body.get("topic") if isinstance(body.get("topic"), dict) else body  # Rails wraps either way
        title = str(changes.get("title") or "").strip()
        if title and title != topic.title:
            first = self.posts[topic.post_ids[0]]
            self._revise(first, user, first.raw, None, title=title)
            self._emit("topic_edited", "topic", {"topic": self.topic_json(topic, webhook=True)})
        return _json({"basic_topic": {"id": topic.id, "title": topic.title, "fancy_title": html.escape(topic.title),
                                      "slug": f"topic-{topic.id}", "posts_count": len(topic.post_ids)}})

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users[request.match_info["username"].lower()]
        return _json({"user": {"id": user.id, "username": user.username, "name": user.username,
                               "admin": user.admin, "moderator": user.moderator,
                               "trust_level": 4 if user.staff else 1}})

    async def _group_members(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        members = [u for u in self.users.values() if name in u.groups]
        if not members:
            raise KeyError(name)
        limit, offset = int(request.query.get("limit", "50")), int(request.query.get("offset", "0"))
        page = members[offset:offset + limit]
        return _json({"members": [{"id": u.id, "username": u.username} for u in page], "owners": [],
                      "meta": {"total": len(members), "limit": limit, "offset": offset}})

    async def _private_messages_sent(self, request: web.Request) -> web.Response:
        """Private messages the user started, most recently active first, one page; only they (or staff) may look."""
        user, acting = self.users[request.match_info["username"].lower()], self._acting(request)
        if acting is not user and not acting.staff:
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        sent = sorted((t for t in self.topics.values() if t.archetype == "private_message" and t.user is user),
                      key=lambda t: -self.posts[t.post_ids[-1]].created)
        return _json({"users": [], "topic_list": {"per_page": PRIVATE_MESSAGES_PAGE, "topics": [
            {k: v for k, v in self.topic_json(t, webhook=True).items() if k not in ("created_by", "last_poster")}
            | {"last_posted_at": _iso(self.posts[t.post_ids[-1]].created)} for t in sent[:PRIVATE_MESSAGES_PAGE]]}})

    async def _create_post(self, request: web.Request) -> web.Response:
        user, body = self._acting(request), await request.json()
        raw = str(body.get("raw") or "")
        if len(raw.strip()) < MIN_POST_LENGTH:
            return _errors(422, f"Body is too short (minimum is {MIN_POST_LENGTH} characters)")
        if not user.staff:
            now = time.monotonic()
            last = self._last_create.get(user.username)
            if last is not None and now - last < self.create_post_interval:
                return _rate_limited(max(1, round(last + self.create_post_interval - now)))
            if any(p.user is user and _same_text(p.raw, raw) and time.time() - p.created < UNIQUE_POSTS_SECONDS
                   for p in self.posts.values()):
                return _errors(422, "Body is too similar to what you recently posted")
            self._last_create[user.username] = now
        if body.get("archetype") == "private_message":
            recipients = [n.strip() for n in str(body.get("target_recipients") or "").split(",") if n.strip()]
            if not recipients or any(n.lower() not in self.users for n in recipients):
                return _errors(422, "You must choose a valid user.")
            post = await self.send_private_message(user, recipients, str(body.get("title") or ""), raw)
        elif "topic_id" in body:
            topic = self.topics[int(body["topic_id"])]
            if not self._can_see(user, topic):
                return _errors(403, INVALID_ACCESS, error_type="invalid_access")
            if topic.closed and not user.staff:
                return _errors(422, "This topic is closed.")
            reply_to = body.get("reply_to_post_number")
            post = await self.reply(user, topic.id, raw, reply_to=int(reply_to) if reply_to else None)
        else:
            post = await self.create_topic(user, int(body.get("category") or 0), str(body.get("title") or ""), raw)
        return _json(self.post_json(post))

    async def _update_post(self, request: web.Request) -> web.Response:
        user, post = self._acting(request), self.posts[int(request.match_info["id"])]
        if not (user.staff or user is post.user):
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        changes = (await request.json()).get("post") or {}
        if "raw" in changes:
            self._revise(post, user, str(changes["raw"]), changes.get("edit_reason"))
            self._emit("post_edited", "post", {"post": self.post_json(post, webhook=True)})
        return _json({"post": self.post_json(post)})

    async def _get_revision(self, request: web.Request) -> web.Response:
        user, post = self._acting(request), self.posts[int(request.match_info["id"])]
        revision = post.revisions[int(request.match_info["n"])]
        if (revision.hidden or post.hidden) and not user.staff:
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        changes = {"post_id": post.id, "current_revision": revision.number, "previous_revision": revision.number - 1,
                   "username": revision.editor, "edit_reason": revision.edit_reason,
                   "previous_hidden": revision.hidden,
                   "body_changes": {"side_by_side_markdown": f"{html.escape(revision.before)} → "
                                                             f"{html.escape(revision.after)}"}}
        if revision.titles is not None:
            changes["title_changes"] = {"inline": " → ".join(html.escape(t) for t in revision.titles)}
        return _json(changes)

    async def _hide_revision(self, request: web.Request) -> web.Response:
        user, post = self._acting(request), self.posts[int(request.match_info["id"])]
        if not user.staff:
            return _errors(403, INVALID_ACCESS, error_type="invalid_access")
        post.revisions[int(request.match_info["n"])].hidden = True
        return _json({"success": "OK"})

    async def _create_post_action(self, request: web.Request) -> web.Response:
        user, body = self._acting(request), await request.json()
        post = self.posts[int(body["id"])]
        type_id = int(body.get("post_action_type_id") or 0)
        message = str(body.get("message") or "")
        if type_id == NOTIFY_MODERATORS and not message.strip():
            return _errors(422, "A message is required for this flag.")
        if any(f.post_id == post.id and f.by == user.username and f.post_action_type_id == type_id
               for f in self.flags):
            return _errors(403, "You already performed this action.")
        self.flags.append(Flag(post.id, user.username, type_id, message))
        return _json(self.post_json(post))
