"""A loopback Discord: enough of the gateway and of REST v10 for the real discord.py to run unmodified.

The server owns one guild (text channels, a help forum with tags, threads), a bot user and its application,
and any number of simulated people. Tests and the demo drive it through the helper methods (`post`, `edit`,
`create_forum_post`, `invoke_slash`, `invoke_message_command`, `click`) and read what the bot did from the
recorded requests and the message store. It behaves like Discord where a bot can get it wrong: exact
`application/json`, 429s with `Via` + `retry_after` (and, on request, without `Via`, which discord.py does
not retry), the 3-second interaction deadline (404 / 10062), 40058 on a brand-new forum thread, a forum
post's starter message arriving before its THREAD_CREATE, blank content without the message-content intent,
message and embed length limits, permissions for deleting other people's messages and renaming their
threads, attachments served from a CDN address, the bot's own messages echoed back, message nonces
(`enforce_nonce`: the same author and nonce within `nonce_window` seconds returns the first message instead of
creating another), faults after the fact (a message created but answered with a 5xx), and shards (IDENTIFY's
`shard`, guild events sent only to the shard `(guild_id >> 22) % count` that owns the guild).
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.loopback import LoopbackServer
from sandbox.recording import RECORD, InjectedFault, RecordedRequest, take_fault

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1420070400000
API_PREFIX = "/api/v10"

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | INTENT_MESSAGE_CONTENT

# Permission bits used by the routes below.
PERM_ADMINISTRATOR = 1 << 3
PERM_MANAGE_GUILD = 1 << 5
PERM_ADD_REACTIONS = 1 << 6
PERM_VIEW_CHANNEL = 1 << 10
PERM_SEND_MESSAGES = 1 << 11
PERM_MANAGE_MESSAGES = 1 << 13
PERM_EMBED_LINKS = 1 << 14
PERM_READ_MESSAGE_HISTORY = 1 << 16
PERM_USE_APPLICATION_COMMANDS = 1 << 31
PERM_MANAGE_THREADS = 1 << 34
PERM_SEND_MESSAGES_IN_THREADS = 1 << 38
EVERYONE_PERMISSIONS = (
    PERM_VIEW_CHANNEL | PERM_SEND_MESSAGES | PERM_ADD_REACTIONS | PERM_EMBED_LINKS
    | PERM_READ_MESSAGE_HISTORY | PERM_USE_APPLICATION_COMMANDS | PERM_SEND_MESSAGES_IN_THREADS
)
BOT_ROLE_PERMISSIONS = PERM_MANAGE_MESSAGES

CHANNEL_TEXT, CHANNEL_PUBLIC_THREAD, CHANNEL_FORUM = 0, 11, 15
MESSAGE_DEFAULT, MESSAGE_REPLY, MESSAGE_CHAT_INPUT, MESSAGE_CONTEXT_MENU = 0, 19, 20, 23
FLAG_EPHEMERAL, FLAG_LOADING = 1 << 6, 1 << 7

POLL_INTERVAL = 0.01
NONCE_WINDOW = 300.0  # "the past few minutes" within which Discord enforces a nonce
NONCE_LIMIT = 25
_MENTION = re.compile(r"<@!?(\d+)>")


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard that receives a guild's events (Discord's sharding formula)."""
    return (guild_id >> 22) % shard_count


class SnowflakeFactory:
    """Real-looking snowflakes (timestamp in the high bits) so `created_at` means something."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)


def _iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), tz=UTC).isoformat()


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly `application/json`: discord.py reads anything else as text.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _no_content() -> web.Response:
    return web.Response(status=204)


@dataclass(slots=True)
class PendingInteraction:
    id: int
    token: str
    type: int
    channel_id: int
    user: dict[str, Any]
    created: float
    source_message_id: int | None = None  # component clicks: the message carrying the button
    responded: bool = False
    response_type: int | None = None
    original_message_id: int | None = None
    ephemeral: bool = False


@dataclass(frozen=True, slots=True)
class ChannelOption:
    """A channel picked as a slash-command option."""

    id: int


@dataclass(frozen=True, slots=True)
class RoleOption:
    """A role picked as a slash-command option."""

    id: int


class GatewaySession:
    """One bot connection: identity, sequence numbers, the events it was sent (for RESUME) and the last sequence
    number its heartbeats said it read."""

    def __init__(self, ws: web.WebSocketResponse, on_dispatch: Callable[[], None] = lambda: None) -> None:
        self.ws = ws
        self.session_id = secrets.token_hex(16)
        self.intents = 0
        self.seq = 0
        self.sent: list[dict[str, Any]] = []
        self.identified = False
        self.shard: tuple[int, int] | None = None  # (id, count) from IDENTIFY
        self.read_up_to = 0  # the highest sequence number a heartbeat of the client carried
        self._on_dispatch = on_dispatch

    def receives(self, guild_id: int | None) -> bool:
        """Whether this connection gets a guild's events: every connection without shards, else the owning shard."""
        return guild_id is None or self.shard is None or shard_of(guild_id, self.shard[1]) == self.shard[0]

    async def send(self, payload: dict[str, Any]) -> None:
        if not self.ws.closed:
            if payload.get("op") == 0:
                self._on_dispatch()
            await self.ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append(payload)
        await self.send(payload)


class DiscordSandbox(LoopbackServer):
    """The loopback Discord server. Use as `async with DiscordSandbox() as discord: ...`."""

    def __init__(
        self,
        *,
        guild_name: str = "Space Doctor sandbox",
        bot_name: str = "Space Doctor",
        bot_permissions: int = BOT_ROLE_PERMISSIONS,
        message_content_granted: bool = True,
        interaction_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41250,
        nonce_window: float = NONCE_WINDOW,
        recommended_shards: int = 1,
    ) -> None:
        super().__init__()
        self.snowflake = SnowflakeFactory()
        self.token = "sandbox." + secrets.token_hex(16)  # deliberately not Discord-shaped: never a "secret"
        self.message_content_granted = message_content_granted
        self.interaction_deadline = interaction_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.nonce_window = nonce_window
        self.recommended_shards = recommended_shards
        self._nonces: dict[tuple[str, str], tuple[int, int, float]] = {}  # (author, nonce) → (channel, message, at)
        self.nonce_hits = 0  # sends answered with an earlier message of the same nonce

        self.users: dict[int, dict[str, Any]] = {}
        self.member_roles: dict[int, list[int]] = {}
        self.bot_user = self._new_user(bot_name, bot=True)
        self.owner_user = self._new_user("app-owner")
        self.application_id = self.snowflake()
        self.guild_id = self.snowflake()
        self.guild_name = guild_name
        self.roles: dict[int, dict[str, Any]] = {}
        self._add_role_payload(self.guild_id, "@everyone", EVERYONE_PERMISSIONS, position=0)
        self.bot_role = self.add_role(bot_name, bot_permissions, managed=True)
        self.member_roles[self.bot_user_id] = [self.bot_role]

        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}  # channel id → message id → payload
        self.deleted: list[tuple[int, int]] = []  # (channel id, message id) in deletion order
        self.attachment_files: dict[int, bytes] = {}  # attachment id → bytes, while its message exists
        self.general = self.add_channel("general")
        self.help_channel = self.add_channel("help")
        self.help_forum = self.add_channel("help-forum", CHANNEL_FORUM, tags=("solved", "question"))

        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, PendingInteraction] = {}
        self._interactions_by_token: dict[str, PendingInteraction] = {}

        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.dispatched = 0  # events written to any connection, replays included (see `sync`)
        self.replayed: list[dict[str, Any]] = []  # events delivered a second time on RESUME (see `reconnect`)
        self.events: list[tuple[str, dict[str, Any]]] = []  # every event dispatched, in order (see `redeliver`)
        self.sessions: list[GatewaySession] = []
        self._resumable: dict[str, GatewaySession] = {}
        self._faults: list[InjectedFault] = []
        self._hangs: list[InjectedFault] = []
        self.held: list[RecordedRequest] = []  # requests `inject_hang` holds right now (whose work is stuck)
        self._late: dict[GatewaySession, list[tuple[str, dict[str, Any]]]] = {}  # see `late`
        self._closing = asyncio.Event()
        self._fail_new_forum_posts = 0
        self._new_forum_threads: dict[int, int] = {}  # thread id → 40058 failures still to serve
        self._pending_replay = 0
        self._changed = asyncio.Condition()

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> DiscordSandbox:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._gateway)
        for method, path, handler in self._routes():
            app.router.add_route(method, API_PREFIX + path, handler)
        app.router.add_get("/attachments/{channel}/{attachment}/{filename}", self._attachment)  # the CDN
        app.router.add_route("*", "/{tail:.*}", self._unhandled)
        return await self._serve(app, handle_signals=False)

    async def close(self) -> None:
        self._closing.set()
        for session in list(self.sessions):
            await session.ws.close()
        await self._stop_serving()

    @property
    def api_base(self) -> str:
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def bot_user_id(self) -> int:
        return int(self.bot_user["id"])

    # ---- world building --------------------------------------------------------------------------

    def _new_user(self, name: str, *, bot: bool = False) -> dict[str, Any]:
        uid = self.snowflake()
        user = {
            "id": str(uid), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot, "public_flags": 0,
        }
        self.users[uid] = user
        self.member_roles.setdefault(uid, [])
        return user

    def add_user(self, name: str, *, roles: Iterable[int] = (), bot: bool = False) -> dict[str, Any]:
        """A person (or another bot) in the guild; returns the user payload (`int(user["id"])` for the id)."""
        user = self._new_user(name, bot=bot)
        self.member_roles[int(user["id"])] = list(roles)
        return user

    def _add_role_payload(self, rid: int, name: str, permissions: int, *, position: int, managed: bool = False) -> None:
        self.roles[rid] = {
            "id": str(rid), "name": name, "permissions": str(permissions), "position": position,
            "color": 0, "colors": {"primary_color": 0}, "hoist": False, "managed": managed,
            "mentionable": False, "flags": 0,
        }

    def add_role(self, name: str, permissions: int = 0, *, managed: bool = False) -> int:
        rid = self.snowflake()
        self._add_role_payload(rid, name, permissions, position=len(self.roles), managed=managed)
        return rid

    def set_bot_permissions(self, permissions: int) -> None:
        """Changes what the bot's own role allows (e.g. drop Manage Messages)."""
        self.roles[self.bot_role]["permissions"] = str(permissions)

    def permissions_of(self, user_id: int) -> int:
        perms = 0
        for rid in [self.guild_id, *self.member_roles.get(user_id, [])]:
            perms |= int(self.roles[rid]["permissions"])
        return (1 << 53) - 1 if perms & PERM_ADMINISTRATOR else perms

    def add_channel(self, name: str, kind: int = CHANNEL_TEXT, *, tags: Iterable[str] = ()) -> int:
        cid = self.snowflake()
        channel: dict[str, Any] = {
            "id": str(cid), "type": kind, "name": name, "position": len(self.channels), "guild_id": str(self.guild_id),
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "rate_limit_per_user": 0, "last_message_id": None, "flags": 0,
        }
        if kind == CHANNEL_FORUM:
            channel["available_tags"] = [
                {"id": str(self.snowflake()), "name": t, "moderated": False, "emoji_id": None, "emoji_name": None}
                for t in tags
            ]
            channel["default_reaction_emoji"] = None
        self.channels[cid] = channel
        self.messages[cid] = {}
        return cid

    def tag_id(self, forum_id: int, name: str) -> int:
        return next(int(t["id"]) for t in self.channels[forum_id]["available_tags"] if t["name"] == name)

    def _thread_payload(self, tid: int, parent_id: int, owner_id: int, name: str,
                        tags: Iterable[int]) -> dict[str, Any]:
        return {
            "id": str(tid), "type": CHANNEL_PUBLIC_THREAD, "name": name, "parent_id": str(parent_id),
            "owner_id": str(owner_id), "guild_id": str(self.guild_id), "message_count": 0, "member_count": 1,
            "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
            "applied_tags": [str(t) for t in tags],
            "thread_metadata": {
                "archived": False, "auto_archive_duration": 4320, "archive_timestamp": _iso(), "locked": False,
                "create_timestamp": _iso(),
            },
        }

    async def create_thread(
        self, parent_id: int, owner: dict[str, Any], name: str, *, from_message: int | None = None
    ) -> int:
        """A thread under a text channel, started by `owner` (dispatched as THREAD_CREATE). Started from a
        message, it takes that message's id, as on Discord (the message is its starter)."""
        tid = from_message or self.snowflake()
        thread = self._thread_payload(tid, parent_id, int(owner["id"]), name, ())
        self.channels[tid] = thread
        self.messages[tid] = {}
        await self._broadcast("THREAD_CREATE", {**thread, "newly_created": True}, INTENT_GUILDS)
        return tid

    async def create_forum_post(
        self, forum_id: int, author: dict[str, Any], title: str, content: str, *, tags: Iterable[str] = (),
        starter_first: bool = False,
    ) -> dict[str, Any]:
        """A new forum post: THREAD_CREATE, then the starter message whose id is the thread id. The two come
        from different parts of Discord and are not ordered: `starter_first` delivers the message first."""
        tid = self.snowflake()
        thread = self._thread_payload(tid, forum_id, int(author["id"]), title,
                                      [self.tag_id(forum_id, t) for t in tags])
        self.channels[tid] = thread
        self.messages[tid] = {}
        if self._fail_new_forum_posts:
            self._new_forum_threads[tid] = self._fail_new_forum_posts
        created = {**thread, "newly_created": True}
        if not starter_first:
            await self._broadcast("THREAD_CREATE", created, INTENT_GUILDS)
        starter = await self.post(tid, author, content, message_id=tid)
        if starter_first:
            await self._broadcast("THREAD_CREATE", created, INTENT_GUILDS)
        return starter

    async def rename_thread(self, thread_id: int, name: str) -> None:
        """A person edits a thread's name (a forum post's title): THREAD_UPDATE."""
        self.channels[thread_id]["name"] = name
        await self._broadcast("THREAD_UPDATE", dict(self.channels[thread_id]), INTENT_GUILDS)

    async def set_thread_tags(self, thread_id: int, tags: Iterable[str]) -> None:
        thread = self.channels[thread_id]
        thread["applied_tags"] = [str(self.tag_id(int(thread["parent_id"]), t)) for t in tags]
        await self._broadcast("THREAD_UPDATE", dict(thread), INTENT_GUILDS)

    # ---- fault injection -------------------------------------------------------------------------

    def inject_rate_limit(
        self, method: str, path_pattern: str, *, times: int = 1, retry_after: float = 0.05, is_global: bool = False,
        via: bool = True,
    ) -> None:
        """The next `times` matching REST calls get a 429: with `Via`, like Discord behind its proxy, or without
        it (`via=False`), as some 429s arrive, which discord.py then raises instead of retrying."""
        def rate_limited() -> web.Response:
            return _json(
                {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global},
                status=429,
                headers={**({"Via": "1.1 google"} if via else {}), "Retry-After": str(max(1, round(retry_after))),
                         "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                         "X-RateLimit-Reset-After": str(retry_after),
                         "X-RateLimit-Bucket": "sandbox", "X-RateLimit-Scope": "user"},
            )

        self._faults.append(InjectedFault.of(method, path_pattern, times, rate_limited))

    def inject_error(self, method: str, path_pattern: str, *, status: int = 403, code: int = 50001,
                     message: str = "Missing Access", times: int = 1) -> None:
        """The next `times` matching REST calls fail with Discord's JSON error (403 50001 by default)."""
        self._faults.append(InjectedFault.of(method, path_pattern, times, lambda: _error(status, code, message)))

    def inject_error_after(self, method: str, path_pattern: str, *, status: int = 500, times: int = 1) -> None:
        """The next `times` matching REST calls are carried out (a message is created and dispatched) but answered
        with a 5xx, as Discord sometimes does: a client that retries without a nonce posts twice."""
        self._faults.append(InjectedFault.of(method, path_pattern, times,
                                             lambda: _error(status, 0, f"{status}: Internal Server Error"), after=True))

    @property
    def hanging(self) -> int:
        """How many requests `inject_hang` holds right now."""
        return len(self.held)

    def inject_hang(self, method: str, path_pattern: str, *, times: int = 1) -> None:
        """The next `times` matching REST calls are never carried out nor answered (until the sandbox closes):
        the moment to kill a bot in the middle of a piece of work. `held` lists them: kill the process that sent
        one: its later requests on the same route queue behind it in discord.py (one at a time per channel while
        no rate-limit headers say more), and its lease on that work is renewed, until the sandbox closes."""
        self._hangs.append(InjectedFault.of(method, path_pattern, times,
                                            lambda: _error(503, 0, "503: Service Unavailable")))

    @contextlib.asynccontextmanager
    async def late(self, session: GatewaySession) -> AsyncIterator[None]:
        """Events broadcast within the block reach `session` only when it ends, after the other connections got
        them: one connection's gateway lagging behind another's (Discord does not order delivery across
        connections), e.g. to let one process of a rolling deploy take some work before the other sees it."""
        assert session not in self._late
        self._late[session] = []
        try:
            yield
        finally:
            for event, data in self._late.pop(session):
                await session.dispatch(event, data)
            async with self._changed:
                self._changed.notify_all()

    async def redeliver(self, events: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Sends events again to the connections there are now (e.g. what a killed bot had received, to the bot
        started after it): Discord's delivery is at-least-once."""
        for event, data in list(events):
            await self._broadcast(event, data, 0)

    def fail_new_forum_posts(self, times: int = 1) -> None:
        """The bot's first `times` posts into each forum thread created from now on fail with 40058."""
        self._fail_new_forum_posts = times

    async def reconnect(self, *, replay: int = 0) -> None:
        """Asks every session to reconnect (op 7). On RESUME, the missed events are replayed, plus the last
        `replay` events the bot had already received: Discord's delivery is at-least-once."""
        self._pending_replay = replay
        for session in list(self.sessions):
            if session.identified:
                await session.send({"op": 7, "d": None})

    # ---- gateway ---------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = GatewaySession(ws, self._count_dispatch)
        self.sessions.append(session)
        await session.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for frame in ws:
                if frame.type != WSMsgType.TEXT:
                    continue
                await self._on_gateway_frame(session, json.loads(frame.data))
        finally:
            self.sessions.remove(session)
        return ws

    async def _on_gateway_frame(self, session: GatewaySession, msg: dict[str, Any]) -> None:
        op, data = msg.get("op"), msg.get("d")
        recorded = dict(msg)
        if op in (2, 6) and isinstance(data, dict):
            recorded["d"] = {**data, "token": "[sandbox token]"}
        self.gateway_received.append(recorded)
        if op == 1:
            if isinstance(data, int):
                session.read_up_to = max(session.read_up_to, data)
                async with self._changed:
                    self._changed.notify_all()
            await session.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._identify(session, data)
        elif op == 6:
            await self._resume(session, data)
        elif op in (3, 4, 8):  # presence, voice state, member chunk requests: accepted, nothing to answer
            return
        else:
            self.unhandled.append(RecordedRequest("GATEWAY", f"op {op}", {}, data))

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.intents = int(data.get("intents", 0))
        if session.intents & PRIVILEGED_INTENTS & ~(INTENT_MESSAGE_CONTENT if self.message_content_granted else 0):
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is not None:
            if not (isinstance(shard, list) and len(shard) == 2 and 0 <= int(shard[0]) < int(shard[1])):
                await session.ws.close(code=4010, message=b"Invalid shard.")
                return
            session.shard = (int(shard[0]), int(shard[1]))
        session.identified = True
        self._resumable[session.session_id] = session
        ours = session.receives(self.guild_id)
        await session.dispatch("READY", {
            "v": 10, "user": self.bot_user, "guilds": [{"id": str(self.guild_id), "unavailable": True}] if ours else [],
            "session_id": session.session_id, "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0}, "private_channels": [],
            **({"shard": list(session.shard)} if session.shard else {}),
        })
        if ours and session.intents & INTENT_GUILDS:
            await session.dispatch("GUILD_CREATE", self.guild_payload())

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        previous = self._resumable.get(str(data.get("session_id")))
        if previous is None or data.get("token") != self.token:
            await session.send({"op": 9, "d": False})
            return
        last_seq = int(data.get("seq") or 0)
        session.session_id, session.intents, session.identified = previous.session_id, previous.intents, True
        session.seq, session.sent = previous.seq, previous.sent
        self._resumable[session.session_id] = session
        missed = [p for p in previous.sent if p["s"] > last_seq]
        already = ([p for p in previous.sent if p["s"] <= last_seq][-self._pending_replay:]
                   if self._pending_replay else [])
        self._pending_replay = 0
        self.replayed.extend(already)
        for payload in already + missed:
            await session.send(payload)
        await session.dispatch("RESUMED", {})

    async def _broadcast(self, event: str, data: dict[str, Any], intent: int) -> None:
        self.events.append((event, data))
        guild = int(data["guild_id"]) if data.get("guild_id") else None
        for session in list(self.sessions):
            if session.identified and (intent == 0 or session.intents & intent) and session.receives(guild):
                if session in self._late:
                    self._late[session].append((event, self._as_seen_by(session, event, data)))
                else:
                    await session.dispatch(event, self._as_seen_by(session, event, data))
        async with self._changed:
            self._changed.notify_all()

    def _as_seen_by(self, session: GatewaySession, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent Discord blanks content, embeds, attachments and components,
        except in the bot's own messages and messages that mention it."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents & INTENT_MESSAGE_CONTENT:
            return data
        if data.get("author", {}).get("id") == self.bot_user["id"]:
            return data
        if any(m["id"] == self.bot_user["id"] for m in data.get("mentions", [])):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    def guild_payload(self) -> dict[str, Any]:
        now = _iso()
        channels = [c for c in self.channels.values() if c["type"] != CHANNEL_PUBLIC_THREAD]
        threads = [c for c in self.channels.values() if c["type"] == CHANNEL_PUBLIC_THREAD]
        return {
            "id": str(self.guild_id), "name": self.guild_name, "icon": None, "owner_id": self.owner_user["id"],
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
            "system_channel_flags": 0, "preferred_locale": "en-US", "features": [], "emojis": [], "stickers": [],
            "roles": list(self.roles.values()), "member_count": len(self.users), "large": False,
            "joined_at": now, "unavailable": False, "voice_states": [], "presences": [],
            "members": [self.member_payload(self.bot_user_id)], "channels": channels, "threads": threads,
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        }

    def member_payload(self, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(user_id, [])], "joined_at": _iso(), "deaf": False,
            "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None,
        }
        if with_user:
            member["user"] = self.users[user_id]
        return member

    # ---- messages --------------------------------------------------------------------------------

    def _message_payload(
        self,
        channel_id: int,
        author: dict[str, Any],
        body: dict[str, Any],
        *,
        message_id: int | None = None,
        kind: int = MESSAGE_DEFAULT,
        webhook: bool = False,
        flags: int = 0,
        interaction: PendingInteraction | None = None,
    ) -> dict[str, Any]:
        mid = message_id or self.snowflake()
        content = body.get("content") or ""
        mentions = self._resolve_mentions(content, body.get("allowed_mentions"), author)
        message: dict[str, Any] = {
            "id": str(mid), "channel_id": str(channel_id), "guild_id": str(self.guild_id), "author": author,
            "content": content, "timestamp": _iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": self._mentions_everyone(content, body.get("allowed_mentions"), author),
            "mentions": mentions, "mention_roles": [], "attachments": [],
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or []],  # Discord fills in the type
            "pinned": False, "type": kind, "flags": flags | int(body.get("flags") or 0),
            "components": list(body.get("components") or []),
        }
        if not webhook:
            message["member"] = self.member_payload(int(author["id"]), with_user=False)
        else:
            message["webhook_id"] = str(self.application_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            message["interaction_metadata"] = {
                "id": str(interaction.id), "type": interaction.type, "user": interaction.user,
                "authorizing_integration_owners": {},
            }
        reference = body.get("message_reference")
        if reference and reference.get("message_id"):
            ref_channel = int(reference.get("channel_id") or channel_id)
            ref_id = int(reference["message_id"])
            message["type"] = MESSAGE_REPLY
            message["message_reference"] = {
                "type": 0, "message_id": str(ref_id), "channel_id": str(ref_channel), "guild_id": str(self.guild_id),
            }
            message["referenced_message"] = self.messages.get(ref_channel, {}).get(ref_id)
        return message

    def _resolve_mentions(self, content: str, allowed: dict[str, Any] | None, author: dict[str, Any]) -> list[dict]:
        ids = [int(m) for m in _MENTION.findall(content)]
        if author["id"] == self.bot_user["id"] and allowed is not None and "users" not in (allowed.get("parse") or []):
            permitted = {int(u) for u in allowed.get("users") or []}
            ids = [i for i in ids if i in permitted]
        return [{**self.users[i], "member": self.member_payload(i, with_user=False)} for i in ids if i in self.users]

    def _mentions_everyone(self, content: str, allowed: dict[str, Any] | None, author: dict[str, Any]) -> bool:
        if "@everyone" not in content and "@here" not in content:
            return False
        if author["id"] == self.bot_user["id"] and allowed is not None:
            return "everyone" in (allowed.get("parse") or [])
        return True

    async def _store_and_dispatch(self, message: dict[str, Any], *, dispatch: bool = True) -> dict[str, Any]:
        cid, mid = int(message["channel_id"]), int(message["id"])
        self.messages.setdefault(cid, {})[mid] = message
        channel = self.channels.get(cid)
        if channel is not None:
            channel["last_message_id"] = message["id"]
            if channel["type"] == CHANNEL_PUBLIC_THREAD:
                channel["message_count"] += 1
        if dispatch:
            await self._broadcast("MESSAGE_CREATE", message, INTENT_GUILD_MESSAGES)
        else:
            async with self._changed:
                self._changed.notify_all()
        return message

    async def post(
        self, channel_id: int, author: dict[str, Any], content: str, *, message_id: int | None = None,
        reply_to: int | None = None, attachments: Iterable[tuple[str, str]] = (),
        embeds: Iterable[dict[str, Any]] = (),
    ) -> dict[str, Any]:
        """A person writes in a channel or thread (dispatched as MESSAGE_CREATE), optionally with files
        (`(filename, text)`, served from the sandbox's CDN address) and embeds (webhooks and other bots)."""
        body: dict[str, Any] = {"content": content, "embeds": list(embeds)}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to, "channel_id": channel_id}
        message = self._message_payload(channel_id, author, body, message_id=message_id)
        message["attachments"] = [self._attachment_payload(channel_id, name, text) for name, text in attachments]
        return await self._store_and_dispatch(message)

    def _attachment_payload(self, channel_id: int, filename: str, text: str) -> dict[str, Any]:
        aid = self.snowflake()
        data = text.encode("utf-8", "surrogatepass")
        self.attachment_files[aid] = data
        url = f"{self.url}/attachments/{channel_id}/{aid}/{filename}"
        return {"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                "content_type": "text/plain; charset=utf-8"}

    async def edit(self, channel_id: int, message_id: int, content: str) -> dict[str, Any]:
        """A person edits their message (dispatched as MESSAGE_UPDATE)."""
        message = self.messages[channel_id][message_id]
        message.update(content=content, edited_timestamp=_iso(),
                       mentions=self._resolve_mentions(content, None, message["author"]))
        await self._broadcast("MESSAGE_UPDATE", dict(message), INTENT_GUILD_MESSAGES)
        return message

    async def unfurl(self, channel_id: int, message_id: int, url: str, title: str) -> dict[str, Any]:
        """Discord adds a link preview to a message a moment after it was posted (MESSAGE_UPDATE)."""
        message = self.messages[channel_id][message_id]
        message["embeds"] = [*message["embeds"], {"type": "link", "url": url, "title": title}]
        await self._broadcast("MESSAGE_UPDATE", dict(message), INTENT_GUILD_MESSAGES)
        return message

    async def delete(self, channel_id: int, message_id: int) -> None:
        """A message disappears (its author deleted it), and its files with it."""
        message = self.messages[channel_id].pop(message_id)
        for attachment in message.get("attachments") or []:
            self.attachment_files.pop(int(attachment["id"]), None)
        self.deleted.append((channel_id, message_id))
        await self._broadcast("MESSAGE_DELETE", {
            "id": str(message_id), "channel_id": str(channel_id), "guild_id": str(self.guild_id),
        }, INTENT_GUILD_MESSAGES)

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot has posted (not deleted), oldest first; interaction responses included."""
        out = []
        for cid, by_id in self.messages.items():
            if channel_id is not None and cid != channel_id:
                continue
            out.extend(m for m in by_id.values()
                       if m["author"]["id"] == self.bot_user["id"] and not (m["flags"] & FLAG_LOADING))
        return sorted(out, key=lambda m: int(m["id"]))

    def message(self, channel_id: int, message_id: int) -> dict[str, Any] | None:
        return self.messages.get(channel_id, {}).get(message_id)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Waits until `predicate()` is truthy and returns its value. Re-checked on every change in the
        sandbox, and every few milliseconds for predicates about the client's own state."""
        async def until() -> Any:
            async with self._changed:
                while not (value := predicate()):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), POLL_INTERVAL)
                return value
        return await asyncio.wait_for(until(), timeout)

    async def wait_for_bot_message(
        self, channel_id: int, *, after: int = 0, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The bot's first message in `channel_id` with an id greater than `after`."""
        def found() -> dict[str, Any] | None:
            return next((m for m in self.bot_messages(channel_id) if int(m["id"]) > after), None)
        return await self.wait_for(found, timeout)

    def _count_dispatch(self) -> None:
        self.dispatched += 1

    async def sync(self, timeout: float = 5.0) -> None:
        """Returns once every connected client has read every event sent to it so far. The gateway may ask a client
        for a heartbeat (op 1), which carries the last sequence number the client read; a client reads its frames in
        order, so its answer comes after the events before the request. (discord.py also starts an event's handlers
        before it reads the next frame: what they do then is theirs to tell, see sandbox.harness.BotHarness.idle.)"""
        behind = {s: s.seq for s in self.sessions if s.identified and not s.ws.closed and s.read_up_to < s.seq}
        for session in behind:
            await session.send({"op": 1, "d": None})
        await self.wait_for(lambda: all(s.read_up_to >= seq or s.ws.closed for s, seq in behind.items()), timeout)

    # ---- interactions ----------------------------------------------------------------------------

    def _new_interaction(self, kind: int, channel_id: int, user: dict[str, Any]) -> PendingInteraction:
        interaction = PendingInteraction(
            id=self.snowflake(), token="itoken." + secrets.token_hex(24), type=kind, channel_id=channel_id,
            user=user, created=time.monotonic(),
        )
        self.interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction
        return interaction

    def _interaction_event(self, interaction: PendingInteraction, data: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels[interaction.channel_id]
        uid = int(interaction.user["id"])
        return {
            "id": str(interaction.id), "application_id": str(self.application_id), "type": interaction.type,
            "token": interaction.token, "version": 1, "attachment_size_limit": 10 * 1024 * 1024,
            "guild_id": str(self.guild_id), "guild_locale": "en-US", "locale": "en-US",
            "channel_id": str(interaction.channel_id), "channel": channel,
            "member": {**self.member_payload(uid), "permissions": str(self.permissions_of(uid))},
            "app_permissions": str(self.permissions_of(self.bot_user_id)),
            "entitlements": [], "authorizing_integration_owners": {"0": str(self.guild_id)}, "context": 0,
            "data": data,
        }

    def _command(self, name: str, kind: int) -> dict[str, Any]:
        commands = self.global_commands + self.guild_commands.get(self.guild_id, [])
        found = next((c for c in commands if c["name"] == name and c.get("type", 1) == kind), None)
        if found is None:
            raise LookupError(f"the bot has not synced a command {name!r} of type {kind}")
        return found

    async def invoke_slash(
        self, name: str, options: dict[str, Any], *, user: dict[str, Any], channel_id: int,
        subcommand: str | None = None, group: str | None = None,
    ) -> PendingInteraction:
        """A person runs `/name` (or `/name group subcommand`). Option values: str, int, float, bool,
        `ChannelOption(id)` or `RoleOption(id)`. Like Discord, refuses people who lack the command's
        default member permissions (PermissionError)."""
        command = self._command(name, 1)
        required = int(command.get("default_member_permissions") or 0)
        if required and self.permissions_of(int(user["id"])) & required != required:
            raise PermissionError(f"{user['username']} may not use /{name}")
        opts: list[dict[str, Any]] = []
        resolved: dict[str, dict[str, Any]] = {}
        for key, value in options.items():
            if isinstance(value, ChannelOption):
                channel = self.channels[value.id]
                resolved.setdefault("channels", {})[str(value.id)] = {**channel, "permissions": str(
                    self.permissions_of(int(user["id"])))}
                opts.append({"name": key, "type": 7, "value": str(value.id)})
            elif isinstance(value, RoleOption):
                resolved.setdefault("roles", {})[str(value.id)] = self.roles[value.id]
                opts.append({"name": key, "type": 8, "value": str(value.id)})
            else:
                opts.append({"name": key, "type": {bool: 5, int: 4, float: 10, str: 3}[type(value)], "value": value})
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        if group is not None:
            opts = [{"name": group, "type": 2, "options": opts}]
        interaction = self._new_interaction(2, channel_id, user)
        data = {"id": command["id"], "name": name, "type": 1, "options": opts, "guild_id": str(self.guild_id),
                "resolved": resolved}
        await self._broadcast("INTERACTION_CREATE", self._interaction_event(interaction, data), 0)
        return interaction

    async def invoke_message_command(
        self, name: str, channel_id: int, message_id: int, *, user: dict[str, Any]
    ) -> PendingInteraction:
        """A person picks Apps → `name` on a message."""
        command = self._command(name, 3)
        target = self.messages[channel_id][message_id]
        interaction = self._new_interaction(2, channel_id, user)
        data = {
            "id": command["id"], "name": name, "type": 3, "target_id": str(message_id),
            "resolved": {"messages": {str(message_id): target}}, "guild_id": str(self.guild_id),
        }
        await self._broadcast("INTERACTION_CREATE", self._interaction_event(interaction, data), 0)
        return interaction

    async def click(
        self, channel_id: int, message_id: int, custom_id: str, *, user: dict[str, Any]
    ) -> PendingInteraction:
        """A person clicks the button `custom_id` on one of the bot's messages."""
        message = self.messages[channel_id][message_id]
        interaction = self._new_interaction(3, channel_id, user)
        interaction.source_message_id = message_id
        event = self._interaction_event(interaction, {"custom_id": custom_id, "component_type": 2})
        event["message"] = message
        await self._broadcast("INTERACTION_CREATE", event, 0)
        return interaction

    def interaction_response(self, interaction: PendingInteraction) -> dict[str, Any] | None:
        """The message standing for the interaction's response (the original), once there is one."""
        if interaction.original_message_id is None:
            return None
        return self.messages[interaction.channel_id].get(interaction.original_message_id)

    def followups(self, interaction: PendingInteraction) -> list[dict[str, Any]]:
        return [m for m in self.messages[interaction.channel_id].values()
                if m.get("interaction_metadata", {}).get("id") == str(interaction.id)
                and int(m["id"]) != interaction.original_message_id]

    async def wait_for_response(
        self, interaction: PendingInteraction, predicate: Callable[[dict[str, Any]], bool] = lambda m: True,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Waits until the original response exists, is no longer "thinking…", and satisfies `predicate`."""
        def ready() -> dict[str, Any] | None:
            message = self.interaction_response(interaction)
            if message is None or message["flags"] & FLAG_LOADING or not predicate(message):
                return None
            return message
        return await self.wait_for(ready, timeout)

    # ---- REST ------------------------------------------------------------------------------------

    def _routes(self) -> list[tuple[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]]]:
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild}/commands", self._put_commands),
            ("GET", "/guilds/{guild}", self._get_guild),
            ("GET", "/guilds/{guild}/roles", self._get_roles),
            ("GET", "/guilds/{guild}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild}/members/{user}", self._get_member),
            ("GET", "/channels/{channel}", self._get_channel),
            ("PATCH", "/channels/{channel}", self._edit_channel),
            ("GET", "/channels/{channel}/messages", self._get_history),
            ("POST", "/channels/{channel}/messages", self._create_message),
            ("GET", "/channels/{channel}/messages/{message}", self._get_message),
            ("PATCH", "/channels/{channel}/messages/{message}", self._edit_message),
            ("DELETE", "/channels/{channel}/messages/{message}", self._delete_message),
            ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", self._add_reaction),
            ("POST", "/channels/{channel}/typing", self._typing),
            ("POST", "/interactions/{interaction}/{token}/callback", self._interaction_callback),
            ("GET", "/webhooks/{app}/{token}/messages/{message}", self._get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message}", self._edit_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message}", self._delete_webhook_message),
            ("POST", "/webhooks/{app}/{token}", self._create_followup),
        ]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        if request.path == "/" or not request.path.startswith(API_PREFIX):
            return await handler(request)
        path = request.path[len(API_PREFIX):]
        record = RecordedRequest(request.method, path, dict(request.query), await self._read_body(request))
        self.requests.append(record)
        request[RECORD] = record
        hang = next((f for f in self._hangs if f.matches(request.method, path)), None)
        if hang is not None:
            hang.remaining -= 1
            self.held.append(record)
            async with self._changed:
                self._changed.notify_all()
            await self._closing.wait()
            self.held.remove(record)
            return hang.response()
        response = take_fault(self._faults, request.method, path)
        if (response is None and not path.startswith(("/webhooks/", "/interactions/"))
                and request.headers.get("Authorization") != f"Bot {self.token}"):
            response = _error(401, 0, "401: Unauthorized")
        if response is None:
            try:
                response = await handler(request)
            except KeyError:  # an id the sandbox does not know
                response = _error(404, 10003, "Unknown Channel")
            if response.status < 400:
                response = take_fault(self._faults, request.method, path, after=True) or response
        record.status = response.status
        async with self._changed:
            self._changed.notify_all()
        return response

    @staticmethod
    async def _read_body(request: web.Request) -> Any:
        if not request.body_exists:
            return None
        if request.content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if getattr(part, "name", None) == "payload_json":
                    return json.loads(await part.text())  # type: ignore[union-attr]
            return None
        raw = await request.read()
        return json.loads(raw) if raw else None

    async def _unhandled(self, request: web.Request) -> web.Response:
        record = request.get(RECORD) or RecordedRequest(request.method, request.path, dict(request.query), None)
        self.unhandled.append(record)
        log.warning("sandbox Discord: unhandled %s %s", request.method, request.path)
        return _error(404, 0, "404: Not Found")

    async def _get_me(self, request: web.Request) -> web.Response:
        return _json(self.bot_user)

    async def _get_application(self, request: web.Request) -> web.Response:
        return _json({
            "id": str(self.application_id), "name": self.bot_user["username"], "description": "", "icon": None,
            "bot_public": True, "bot_require_code_grant": False, "verify_key": secrets.token_hex(32),
            "owner": self.owner_user, "flags": 0, "team": None, "bot": self.bot_user,
        })

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": {
            "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})

    def _commands_for(self, request: web.Request) -> list[dict[str, Any]]:
        guild = request.match_info.get("guild")
        return self.global_commands if guild is None else self.guild_commands.setdefault(int(guild), [])

    async def _get_commands(self, request: web.Request) -> web.Response:
        return _json(self._commands_for(request))

    async def _put_commands(self, request: web.Request) -> web.Response:
        body = await self._body_of(request)
        if not isinstance(body, list):
            return _error(400, 50035, "Invalid Form Body")
        guild = request.match_info.get("guild")
        synced = []
        for command in body:
            synced.append({
                "id": str(self.snowflake()), "application_id": str(self.application_id), "version": "1",
                "type": command.get("type", 1), "name": command["name"],
                "description": command.get("description", ""), "options": command.get("options", []),
                "name_localizations": command.get("name_localizations"),
                "description_localizations": command.get("description_localizations"),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True), "nsfw": command.get("nsfw", False),
                **({"guild_id": guild} if guild is not None else {}),
            })
        if guild is None:
            self.global_commands = synced
        else:
            self.guild_commands[int(guild)] = synced
        return _json(synced)

    async def _get_guild(self, request: web.Request) -> web.Response:
        if int(request.match_info["guild"]) != self.guild_id:
            return _error(404, 10004, "Unknown Guild")
        payload = self.guild_payload()
        for key in ("members", "channels", "threads", "voice_states", "presences", "joined_at"):
            payload.pop(key)
        return _json(payload)

    async def _get_roles(self, request: web.Request) -> web.Response:
        return _json(list(self.roles.values()))

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        return _json([c for c in self.channels.values() if c["type"] != CHANNEL_PUBLIC_THREAD])

    async def _get_member(self, request: web.Request) -> web.Response:
        uid = int(request.match_info["user"])
        if uid not in self.users:
            return _error(404, 10007, "Unknown Member")
        return _json(self.member_payload(uid))

    def _channel(self, request: web.Request) -> tuple[int, dict[str, Any] | None]:
        cid = int(request.match_info["channel"])
        return cid, self.channels.get(cid)

    async def _get_channel(self, request: web.Request) -> web.Response:
        _, channel = self._channel(request)
        return _json(channel) if channel is not None else _error(404, 10003, "Unknown Channel")

    async def _edit_channel(self, request: web.Request) -> web.Response:
        """Renaming a thread: its owner may, anyone else needs Manage Threads."""
        _, channel = self._channel(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = (await self._body_of(request)) or {}
        if channel["type"] != CHANNEL_PUBLIC_THREAD or set(body) - {"name"}:
            return _error(400, 50035, "Invalid Form Body: the sandbox only renames threads")
        may_manage = self.permissions_of(self.bot_user_id) & PERM_MANAGE_THREADS
        if channel["owner_id"] != self.bot_user["id"] and not may_manage:
            return _error(403, 50013, "Missing Permissions")
        name = body.get("name") or ""
        if not 1 <= len(name) <= 100:
            return _error(400, 50035, "Invalid Form Body: name: Must be between 1 and 100 in length.")
        channel["name"] = name
        await self._broadcast("THREAD_UPDATE", dict(channel), INTENT_GUILDS)
        return _json(channel)

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachment_files.get(int(request.match_info["attachment"]))
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="text/plain", charset="utf-8")

    def _cannot_read_history(self) -> web.Response | None:
        if self.permissions_of(self.bot_user_id) & PERM_READ_MESSAGE_HISTORY:
            return None
        return _error(403, 50001, "Missing Access")

    async def _get_history(self, request: web.Request) -> web.Response:
        cid, channel = self._channel(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if (denied := self._cannot_read_history()) is not None:
            return denied
        limit = min(int(request.query.get("limit", 50)), 100)
        newest_first = sorted(self.messages[cid].values(), key=lambda m: int(m["id"]), reverse=True)
        if "before" in request.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            after = [m for m in reversed(newest_first) if int(m["id"]) > int(request.query["after"])]
            newest_first = list(reversed(after[:limit]))
        if "around" in request.query:
            pivot = int(request.query["around"])
            older = [m for m in newest_first if int(m["id"]) <= pivot][: (limit + 1) // 2]
            newer = [m for m in reversed(newest_first) if int(m["id"]) > pivot][: limit // 2]
            newest_first = list(reversed(newer)) + older
        return _json(newest_first[:limit])

    async def _get_message(self, request: web.Request) -> web.Response:
        cid, _ = self._channel(request)
        if (denied := self._cannot_read_history()) is not None:
            return denied
        message = self.messages.get(cid, {}).get(int(request.match_info["message"]))
        return _json(message) if message is not None else _error(404, 10008, "Unknown Message")

    @staticmethod
    def _invalid_body(body: dict[str, Any]) -> str | None:
        """Discord's limits on what a message may carry; None when the body is acceptable."""
        content = body.get("content")
        if content is not None and len(content) > 2000:
            return "content: Must be 2000 or fewer in length."
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            return "embeds: Must be 10 or fewer in length."
        total = 0
        for embed in embeds:
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                if len(embed.get(key) or "") > limit:
                    return f"embeds.{key}: Must be {limit} or fewer in length."
            fields = embed.get("fields") or []
            if len(fields) > 25:
                return "embeds.fields: Must be 25 or fewer in length."
            for f in fields:
                if not f.get("name") or not f.get("value"):
                    return "embeds.fields: name and value are required."
                if len(f["name"]) > 256 or len(f["value"]) > 1024:
                    return "embeds.fields: name ≤ 256 and value ≤ 1024 characters."
            footer = (embed.get("footer") or {}).get("text") or ""
            author = (embed.get("author") or {}).get("name") or ""
            total += len(embed.get("title") or "") + len(embed.get("description") or "") + len(footer) + len(author)
            total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        if total > 6000:
            return "embeds: Embed size exceeds maximum size of 6000."
        if content is not None and not content and not embeds and not body.get("components"):
            return "Cannot send an empty message"
        return None

    async def _create_message(self, request: web.Request) -> web.Response:
        cid, channel = self._channel(request)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel["type"] == CHANNEL_FORUM:
            return _error(400, 50008, "Cannot send messages in a non-text channel")
        needed = PERM_SEND_MESSAGES_IN_THREADS if channel["type"] == CHANNEL_PUBLIC_THREAD else PERM_SEND_MESSAGES
        if not self.permissions_of(self.bot_user_id) & needed:
            return _error(403, 50013, "Missing Permissions")
        if self._new_forum_threads.get(cid):
            self._new_forum_threads[cid] -= 1
            return _error(400, 40058,
                          "Cannot message this thread until after the post author has sent an initial message.")
        body = (await self._body_of(request)) or {}
        if (problem := self._invalid_body(body)) is not None:
            return _error(400, 50035, f"Invalid Form Body: {problem}")
        nonce = str(body["nonce"]) if body.get("nonce") is not None else None
        if nonce is not None and len(nonce) > NONCE_LIMIT:
            return _error(400, 50035, f"Invalid Form Body: nonce: Must be {NONCE_LIMIT} or fewer in length.")
        if nonce is not None and body.get("enforce_nonce") and (earlier := self._nonce_seen(nonce)) is not None:
            return earlier
        message = self._message_payload(cid, self.bot_user, body)
        if nonce is not None:
            message["nonce"] = nonce
            self._nonces[(self.bot_user["id"], nonce)] = (cid, int(message["id"]), time.monotonic())
        await self._store_and_dispatch(message)
        return _json(message)

    def _nonce_seen(self, nonce: str) -> web.Response | None:
        """The answer to a send whose nonce the bot used within the window: the message it created then (or
        404 when that message was deleted since); None when the nonce is new."""
        seen = self._nonces.get((self.bot_user["id"], nonce))
        if seen is None or time.monotonic() - seen[2] > self.nonce_window:
            return None
        self.nonce_hits += 1
        earlier = self.messages.get(seen[0], {}).get(seen[1])
        return _json(earlier) if earlier is not None else _error(404, 10008, "Unknown Message")

    @staticmethod
    async def _body_of(request: web.Request) -> Any:
        return request[RECORD].body

    async def _edit_message(self, request: web.Request) -> web.Response:
        cid, _ = self._channel(request)
        message = self.messages.get(cid, {}).get(int(request.match_info["message"]))
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user["id"]:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        return await self._apply_edit(message, (await self._body_of(request)) or {})

    async def _apply_edit(self, message: dict[str, Any], body: dict[str, Any]) -> web.Response:
        merged = {k: message.get(k) for k in ("content", "embeds", "components")}
        merged.update({k: body[k] for k in ("content", "embeds", "components") if k in body})
        if (problem := self._invalid_body({**merged, "content": merged["content"] or None})) is not None:
            return _error(400, 50035, f"Invalid Form Body: {problem}")
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "flags" in body and body["flags"] is not None:
            message["flags"] = (message["flags"] & ~0xFFFF) | int(body["flags"])
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = _iso()
        message["mentions"] = self._resolve_mentions(message["content"], body.get("allowed_mentions"),
                                                     message["author"])
        if not message["flags"] & FLAG_EPHEMERAL:
            await self._broadcast("MESSAGE_UPDATE", dict(message), INTENT_GUILD_MESSAGES)
        return _json(message)

    async def _delete_message(self, request: web.Request) -> web.Response:
        cid, _ = self._channel(request)
        mid = int(request.match_info["message"])
        message = self.messages.get(cid, {}).get(mid)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        own = message["author"]["id"] == self.bot_user["id"]
        if not own and not self.permissions_of(self.bot_user_id) & PERM_MANAGE_MESSAGES:
            return _error(403, 50013, "Missing Permissions")
        await self.delete(cid, mid)
        return _no_content()

    async def _add_reaction(self, request: web.Request) -> web.Response:
        cid, _ = self._channel(request)
        if int(request.match_info["message"]) not in self.messages.get(cid, {}):
            return _error(404, 10008, "Unknown Message")
        return _no_content()

    async def _typing(self, request: web.Request) -> web.Response:
        return _no_content()

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(int(request.match_info["interaction"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        if time.monotonic() - interaction.created > self.interaction_deadline:
            return _error(404, 10062, "Unknown interaction")
        if interaction.responded:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = (await self._body_of(request)) or {}
        kind, data = int(body.get("type", 0)), body.get("data") or {}
        interaction.responded, interaction.response_type = True, kind
        message: dict[str, Any] | None = None
        if kind in (4, 5):  # a message, or "thinking…" to be edited later
            interaction.ephemeral = bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            if kind == 4 and (problem := self._invalid_body(data)) is not None:
                interaction.responded = False
                return _error(400, 50035, f"Invalid Form Body: {problem}")
            message = self._message_payload(
                interaction.channel_id, self.bot_user, data if kind == 4 else {"flags": data.get("flags")},
                webhook=True, flags=FLAG_LOADING if kind == 5 else 0, interaction=interaction,
                kind=MESSAGE_CHAT_INPUT,
            )
            interaction.original_message_id = int(message["id"])
            await self._store_and_dispatch(message, dispatch=not interaction.ephemeral)
        elif kind in (6, 7):  # component: acknowledge, or update the clicked message in place
            interaction.original_message_id = interaction.source_message_id
            source = self.messages[interaction.channel_id].get(interaction.source_message_id or 0)
            if kind == 7 and source is not None:
                response = await self._apply_edit(source, data)
                if response.status != 200:
                    interaction.responded = False
                    return response
            message = source
        elif kind in (8, 9):  # autocomplete choices, modal: recorded, nothing to store
            pass
        else:
            interaction.responded = False
            return _error(400, 50035, f"Invalid Form Body: unknown response type {kind}")
        return _json({
            "interaction": {
                "id": str(interaction.id), "type": interaction.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5, "response_message_ephemeral": interaction.ephemeral,
            },
            "resource": {"type": kind, **({"message": message} if message else {})},
        })

    def _webhook_interaction(self, request: web.Request) -> PendingInteraction | None:
        if int(request.match_info["app"]) != self.application_id:
            return None
        return self._interactions_by_token.get(request.match_info["token"])

    def _webhook_message(self, request: web.Request) -> tuple[PendingInteraction | None, dict[str, Any] | None]:
        interaction = self._webhook_interaction(request)
        if interaction is None:
            return None, None
        ref = request.match_info["message"]
        mid = interaction.original_message_id if ref == "@original" else int(ref)
        return interaction, self.messages[interaction.channel_id].get(mid or 0)

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        return _json(message) if message is not None else _error(404, 10008, "Unknown Message")

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message = self._webhook_message(request)
        if interaction is None:
            return _error(404, 10015, "Unknown Webhook")
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return await self._apply_edit(message, (await self._body_of(request)) or {})

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message = self._webhook_message(request)
        if interaction is None or message is None:
            return _error(404, 10008, "Unknown Message")
        await self.delete(interaction.channel_id, int(message["id"]))
        return _no_content()

    async def _create_followup(self, request: web.Request) -> web.Response:
        interaction = self._webhook_interaction(request)
        if interaction is None or not interaction.responded:
            return _error(404, 10015, "Unknown Webhook")
        body = (await self._body_of(request)) or {}
        if (problem := self._invalid_body(body)) is not None:
            return _error(400, 50035, f"Invalid Form Body: {problem}")
        message = self._message_payload(interaction.channel_id, self.bot_user, body, webhook=True,
                                        interaction=interaction, kind=MESSAGE_CHAT_INPUT)
        await self._store_and_dispatch(message, dispatch=not (message["flags"] & FLAG_EPHEMERAL))
        return _json(message)
