"""What Space Doctor does with each post it reads on a Discourse forum (from a webhook or from polling).

- **New topics**: a first post (post_number 1) in a configured category, not a private message, gets one answer:
  a diagnosis of the title and the post with the live checks (`spacedoc.diagnosis_service`, the flow Discord uses
  too), rendered as Discourse Markdown and posted as a reply to it.
- **Mentions**: `@<bot>` in a post asks for a diagnosis of its topic (title, first post, the author's posts, the
  mention). Elsewhere anyone may ask; in a configured category a reply is a follow-up, answered only when it comes
  from the topic's author.
- **Silent**: on solved (`accepted_answer`), closed or archived topics; in a configured category once staff or a
  member of a helper group answered; on the bot's own posts, whispers and small actions; outside configured
  categories unless mentioned; on edits (they are only scanned for secrets).
- **Secrets** in any post, created or edited: Hugging Face tokens are always revoked. An edit does not take a secret
  out of public view (the old text stays in the revision history), so as staff the bot replaces the post's raw with
  the redacted text (with an edit reason) and then hides every revision from 2 on (wholesale: a revision's diff can
  split a token where no scan would find it). Not staff, or refused: it flags the post for the moderators. Either
  way the author is told privately which kinds leaked and how to rotate each. The secret is never posted, logged
  or stored: keys hold a digest of the redacted text.

Each post becomes units of work (`forum.units`): claimed in the store before anything is done, so a webhook
redelivery (same post, new event id), a polling overlap or a restart never answers twice.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Iterable, Mapping

from diagnosis.hub import HubClient
from diagnosis.redact import Redaction, redact
from diagnosis.revocation import Revoker
from forum import texts
from forum.client import DiscourseClient, DiscourseRefused
from forum.units import KEY_PREFIX, Ledger, Unit
from spacedoc import diagnosis_service, logs
from spacedoc.config import DiscourseConfig
from spacedoc.metrics import GateReason, Platform, ReplyKind, gate, replied, secrets_found
from spacedoc.store import Store

log = logging.getLogger(__name__)

REGULAR_POST = 1  # post_type: 2 moderator action, 3 small action, 4 whisper
MAX_CONCURRENT_DIAGNOSES = 4
AUTHOR_POSTS_READ = 3  # the topic author's latest replies read for a mention (each costs a request)
HELPERS_TTL = 600.0  # seconds a helper group's member list is trusted
CLOSE_TIMEOUT = 5.0  # seconds the work in flight gets at shutdown (e.g. after SIGTERM)

# Discourse makes no mention inside code or a quote of someone else's post.
_CODE_OR_QUOTE = re.compile(r"```.*?```|`[^`\n]*`|\[quote[^\]]*\].*?\[/quote\]", re.S | re.I)


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@.-])@{re.escape(username)}(?![\w-]|\.\w)", re.I)


@dataclass(frozen=True, slots=True)
class Silence:
    """Why the bot stays out of a topic: the counted reason, and the words for the log (may name a helper)."""

    reason: GateReason
    why: str

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True, slots=True)
class ForumPost:
    """The fields of a post the adapter reads, from a webhook, `/posts.json` or `/posts/{id}.json` alike."""

    id: int
    topic_id: int
    post_number: int
    username: str
    raw: str = field(repr=False)  # may hold a secret; "" when the forum left it out (a hidden post)
    category_id: int | None
    topic_title: str
    private: bool  # a private message (webhooks say so; /posts.json lists no private messages)
    regular: bool

    @classmethod
    def from_json(cls, data: Any) -> ForumPost | None:
        """None when the payload does not say which post it is."""
        if not isinstance(data, Mapping):
            return None
        post_id, topic_id = _int(data.get("id"), None), _int(data.get("topic_id"), None)
        if post_id is None or topic_id is None:
            return None
        return cls(
            id=post_id, topic_id=topic_id, post_number=_int(data.get("post_number"), 1) or 1,
            username=str(data.get("username") or ""), raw=str(data.get("raw") or ""),
            category_id=_int(data.get("category_id"), None), topic_title=str(data.get("topic_title") or ""),
            private=data.get("topic_archetype") == "private_message",
            regular=_int(data.get("post_type"), REGULAR_POST) == REGULAR_POST,
        )


class Forum:
    def __init__(self, client: DiscourseClient, hub: HubClient, store: Store, config: DiscourseConfig) -> None:
        self.client = client
        self.hub = hub
        self.store = store
        self.config = config
        self.ledger = Ledger(store)
        self.revoker = Revoker(hub.revoke_credentials)
        self.me = config.api_username.lower()
        self._mention = _mention_pattern(config.api_username)
        self.staff = False
        self._diagnoses = asyncio.Semaphore(MAX_CONCURRENT_DIAGNOSES)
        self._tasks: set[asyncio.Task[None]] = set()
        self._helpers: frozenset[str] = frozenset()
        self._helpers_read_at = float("-inf")

    async def start(self) -> None:
        """Learns who the bot is on the forum. Raises `DiscourseError` when the forum refuses the key."""
        me = await self.client.user(self.config.api_username)
        self.staff = bool(me.get("admin") or me.get("moderator"))
        log.info("Discourse: acting as %s (%s) on %s; answering categories %s", self.config.api_username,
                 "staff" if self.staff else "not staff", self.config.url, sorted(self.config.categories) or "none")

    async def close(self) -> None:
        """Lets the work in flight finish (within a bound), then sends the revocations still queued."""
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=CLOSE_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.revoker.aclose()

    def health(self) -> str:
        return {None: "starting", True: "ok", False: "unreachable"}[self.client.reachable]

    # ---- posts in ----

    async def accept(self, data: Any, *, edited: bool = False) -> list[Unit]:
        """The units this post (as the forum sent it) calls for that this process now holds: claimed, not yet
        worked on."""
        post = ForumPost.from_json(data)
        if post is None:
            log.warning("ignored a forum post without an id or topic id")
            return []
        return await self.accept_post(post, edited=edited)

    async def accept_post(self, post: ForumPost, *, edited: bool = False) -> list[Unit]:
        return [unit for unit in self.plan(post, edited=edited) if await self.ledger.claim(unit)]

    async def handle(self, data: Any, *, edited: bool = False) -> None:
        """Accept and work through a post, now."""
        await self.run_units(await self.accept(data, edited=edited))

    def in_background(self, work: Awaitable[None]) -> None:
        """Runs `work` after the caller returned (a webhook answers at once); `close()` waits for it."""
        async def guarded() -> None:
            try:
                await work
            except Exception:
                log.exception("forum background work failed")

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_units(self, units: Iterable[Unit]) -> None:
        for unit in units:
            with logs.context(topic_id=unit.payload.get("topic_id"), post_id=unit.payload.get("post_id")):
                await self.ledger.run(unit)

    async def rescan_first_post(self, topic_id: int) -> None:
        """An edit of a topic's first post that also changed the topic arrives as `topic_edited` alone, without
        the post's text: read the post and scan it like any edit."""
        topic = await self.client.topic(topic_id)
        first = next((p for p in _posts(topic) if _int(p.get("post_number"), 0) == 1), None)
        if first is not None and _int(first.get("id"), None) is not None:
            await self.handle(await self.client.post(int(first["id"])), edited=True)

    def plan(self, post: ForumPost, *, edited: bool) -> list[Unit]:
        """What this post calls for, secrets first. Decided from the post alone (no request to the forum)."""
        if post.username.lower() == self.me or not post.regular:
            return []
        units: list[Unit] = []
        found = redact(post.raw)
        if found.findings:
            digest = hashlib.sha256(found.text.encode()).hexdigest()[:16]
            units.append(Unit(f"{KEY_PREFIX}post:{post.id}:secret:{digest}", {"post_id": post.id},
                              functools.partial(self._handle_secret, post, found)))
        if edited or post.private:
            return units
        mentioned = self._mentions(post.raw)
        ids = {"post_id": post.id, "topic_id": post.topic_id}
        if post.post_number == 1 and (post.category_id in self.config.categories or mentioned):
            units.append(Unit(f"{KEY_PREFIX}topic:{post.topic_id}:answer", ids,
                              functools.partial(self._answer_topic, post)))
        elif post.post_number > 1 and mentioned:
            units.append(Unit(f"{KEY_PREFIX}post:{post.id}:mention", ids,
                              functools.partial(self._answer_mention, post)))
        return units

    def _mentions(self, raw: str) -> bool:
        return self._mention.search(_CODE_OR_QUOTE.sub(" ", raw)) is not None

    # ---- answers ----

    async def _answer_topic(self, post: ForumPost) -> str | None:
        topic = await self.client.topic(post.topic_id)
        silence = await self._silence(topic, post)
        if silence:
            gate(Platform.DISCOURSE, silence.reason)
            log.info("topic %s: not answering (%s)", post.topic_id, silence)
            return None
        gate(Platform.DISCOURSE, GateReason.ANSWER)
        raw = post.raw or str((await self.client.post(post.id)).get("raw") or "")
        return await self._answer(post, f"{topic.get('title') or post.topic_title}\n\n{raw}")

    async def _answer_mention(self, post: ForumPost) -> str | None:
        topic = await self.client.topic(post.topic_id)
        silence = await self._silence(topic, post)
        if silence:
            gate(Platform.DISCOURSE, silence.reason)
            log.info("mention in post %s: not answering (%s)", post.id, silence)
            return None
        gate(Platform.DISCOURSE, GateReason.ANSWER)
        return await self._answer(post, await self._conversation(topic, post))

    async def _silence(self, topic: Mapping[str, Any], asking: ForumPost) -> Silence | None:
        """Why the bot should stay out of this topic, or None."""
        if topic.get("accepted_answer"):
            return Silence(GateReason.SOLVED, "solved")
        if topic.get("closed") or topic.get("archived"):
            return Silence(GateReason.CLOSED, "closed")
        posts = _posts(topic)
        if any(str(p.get("username", "")).lower() == self.me
               and (asking.post_number == 1 or _int(p.get("reply_to_post_number"), 0) == asking.post_number)
               for p in posts):
            return Silence(GateReason.ALREADY_ANSWERED, "already answered")
        if _int(topic.get("category_id"), asking.category_id) not in self.config.categories:
            return None  # asked by a mention outside the help categories: nothing more to check
        author = _topic_author(topic)
        if asking.post_number > 1 and asking.username.lower() != author:
            return Silence(GateReason.NOT_AUTHOR, "a follow-up not from the topic's author")
        helpers = await self._helper_names()
        for p in posts:
            name = str(p.get("username", "")).lower()
            if _int(p.get("post_number"), 1) > 1 and name not in (author, self.me) and (
                    p.get("staff") or p.get("admin") or p.get("moderator") or name in helpers):
                return Silence(GateReason.HELPER_ANSWERED, f"{name} already answered")
        return None

    async def _helper_names(self) -> frozenset[str]:
        """Members of the helper groups, read again every HELPERS_TTL. A group the forum will not list (a typo,
        a private group) is one warning: it must not stop the answers."""
        if self.config.helper_groups and time.monotonic() - self._helpers_read_at > HELPERS_TTL:
            names: set[str] = set()
            for group in self.config.helper_groups:
                try:
                    names |= await self.client.group_members(group)
                except DiscourseRefused as exc:
                    log.warning("cannot read the members of helper group %r: %s", group, exc)
            self._helpers, self._helpers_read_at = frozenset(names), time.monotonic()
        return self._helpers

    async def _conversation(self, topic: Mapping[str, Any], mention: ForumPost) -> str:
        """What a mention asks about: the title, the first post, the author's latest replies, the mention."""
        author = _topic_author(topic)
        posts = _posts(topic)
        first = next((p for p in posts if _int(p.get("post_number"), 0) == 1), None)
        replies = [p for p in posts if str(p.get("username", "")).lower() == author
                   and 1 < (_int(p.get("post_number"), 0) or 0) < mention.post_number][-AUTHOR_POSTS_READ:]
        parts = [str(topic.get("title") or mention.topic_title)]
        for p in ([first] if first is not None else []) + replies:
            parts.append(str((await self.client.post(int(p["id"]))).get("raw") or ""))
        parts.append(self._mention.sub("", mention.raw))
        return "\n\n".join(part.strip() for part in parts if part and part.strip())

    async def _answer(self, post: ForumPost, text: str) -> str | None:
        async with self._diagnoses:
            try:
                verdict = await diagnosis_service.diagnose(self.hub, self.store, text)
            except Exception:
                log.exception("diagnosing topic %s failed", post.topic_id)
                raw = texts.APOLOGY
            else:
                raw = texts.verdict_reply(verdict, bot_username=self.config.api_username,
                                          checked_at=datetime.now(timezone.utc))
        created = await self.client.reply(post.topic_id, raw, reply_to_post_number=post.post_number)
        replied(Platform.DISCOURSE, ReplyKind.NO_VERDICT if raw == texts.APOLOGY else ReplyKind.VERDICT)
        if created.get("action") == "enqueued":
            log.info("the answer to post %s is waiting for the forum's review", post.id)
            return None
        return str(created.get("id"))

    # ---- secrets ----

    async def _handle_secret(self, post: ForumPost, found: Redaction) -> str | None:
        secrets_found(Platform.DISCOURSE, (f.kind for f in found.findings))
        tokens = found.hf_tokens()
        revocation = self.revoker.submit(tokens) if tokens else None  # needs no rights on the forum
        kinds = "/".join(found.kinds)
        cleaned = False
        if self.staff:
            try:
                await self._purge(post.id)
                cleaned = True
            except DiscourseRefused as exc:
                log.warning("could not remove the %s from post %s (%s): flagging it instead", kinds, post.id, exc)
        if not cleaned:
            try:
                await self.client.flag_for_moderators(post.id, texts.flag_message(found, revoking=bool(tokens)))
            except DiscourseRefused as exc:
                log.warning("could not flag post %s holding a %s: %s", post.id, kinds, exc)
        message = await self.client.send_private_message(
            post.username, texts.PRIVATE_MESSAGE_TITLE,
            texts.private_message(found, revocation, post_url=self._post_url(post), cleaned=cleaned))
        replied(Platform.DISCOURSE, ReplyKind.LEAK_WARNING)
        return str(message.get("topic_id"))

    async def _purge(self, post_id: int) -> None:
        """Redact the post as it is now, then hide every revision that could hold the old text."""
        current = await self.client.post(post_id)
        version = _int(current.get("version"), 1) or 1
        now = redact(str(current.get("raw") or ""))
        if now.findings:
            edited = await self.client.edit_post(post_id, now.text, edit_reason=texts.EDIT_REASON)
            version = _int(edited.get("version"), version + 1) or version + 1
        for revision in range(2, version + 1):
            await self.client.hide_revision(post_id, revision)

    def _post_url(self, post: ForumPost) -> str:
        return f"{self.config.url}/t/{post.topic_id}/{post.post_number}"


def _posts(topic: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in (topic.get("post_stream") or {}).get("posts") or [] if isinstance(p, Mapping)]


def _topic_author(topic: Mapping[str, Any]) -> str:
    created_by = (topic.get("details") or {}).get("created_by") or {}
    first = next((p for p in _posts(topic) if _int(p.get("post_number"), 0) == 1), {})
    return str(created_by.get("username") or first.get("username") or "").lower()
