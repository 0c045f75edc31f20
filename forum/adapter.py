"""What Space Doctor does with each post it reads on a Discourse forum (from a webhook or from polling).

- **New topics**: a first post (post_number 1) in a configured category, not a private message, gets one answer:
  a diagnosis of the title and the post with the live checks (`spacedoc.diagnosis_service`, the flow Discord uses
  too), rendered as Discourse Markdown and posted as a reply to it.
- **Mentions**: `@<bot>` in a post asks for a diagnosis of its topic (title, first post, the author's posts, the
  mention). Elsewhere anyone may ask; in a configured category a reply is a follow-up, answered only when it comes
  from the topic's author.
- **Thanks**: "thanks, it works now" from the topic's author after the bot's answer, or in a mention, gets no new
  diagnosis: a short acknowledgement, and "it works" is recorded as the author's "helped" on that answer.
- **The support e-mail draft** (stuck or locked Spaces) goes to the topic's author in a private message, never
  into the topic, once the answer is posted (an answer retried or refused sends none).
- **Silent**: on solved (`accepted_answer`), closed or archived topics; in a configured category once staff or a
  member of a helper group answered; on the bot's own posts, whispers and small actions; outside configured
  categories unless mentioned; on edits (they are only scanned for secrets).
- **Secrets** in any post, created or edited, and in a topic's title (read with its first post, and on
  `topic_edited`): Hugging Face tokens are always revoked. As staff the bot renames a leaking topic to the redacted
  title (the old one stays in a revision of the first post, hidden with the others). An edit does not take a secret
  out of public view (the old text stays in the revision history), so as staff the bot replaces the post's raw with
  the redacted text (with an edit reason) and then hides every revision from 2 on (wholesale: a revision's diff can
  split a token where no scan would find it). Not staff, or refused: it flags the post for the moderators. Either
  way the author is told privately which kinds leaked and how to rotate each. The secret is never posted, logged
  or stored: keys hold a digest of the redacted text.

Each post becomes units of work (`forum.units`): claimed in the store (a lease) before anything is done, so a
webhook redelivery (same post, new event id), a polling overlap, a restart or a second process never answers twice,
and a unit a killed process left is redone (`redo`) from the post as the forum has it then. Steps that cannot be
repeated safely look first: an answer is not posted into a topic the bot already answered, a private message not
sent when the bot's sent messages hold it already (its title names the post).
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from diagnosis.followup import Followup, read_followup
from diagnosis.hub import HubClient
from diagnosis.leaks import leak_summary, revocation_outcome, summarised
from diagnosis.redact import HF_KINDS, Redaction, redact
from diagnosis.revocation import RevocationStatus
from diagnosis.texts import DEFAULT, detect_language
from forum import texts
from forum.client import DiscourseClient, DiscourseError, DiscourseRefused, DiscourseUnavailable
from forum.units import FOLLOWUP, KEY_PREFIX, MENTION, SECRET, TOPIC, Ledger, Unit, attempt
from spacedoc import diagnosis_service, logs
from spacedoc.config import DiscourseConfig
from spacedoc.leases import Leases
from spacedoc.metrics import GateReason, Platform, ReplyKind, gate, replied, secrets_found
from spacedoc.revocations import Revocations, outcome
from spacedoc.store import Claim, PendingRevocation, Store

log = logging.getLogger(__name__)

REGULAR_POST = 1  # post_type: 2 moderator action, 3 small action, 4 whisper
MAX_CONCURRENT_DIAGNOSES = 4
AUTHOR_POSTS_READ = 3  # the topic author's latest replies read for a mention (each costs a request)
# `/t/{id}.json` holds only a topic's first chunk of posts (20); of a longer one the checks also read these (by id
# from `post_stream.stream`, in one more request): where answers to the asking post and the latest answers are.
AROUND_ASKING = 10  # posts before and after the asking post
LATEST_READ = 20  # the topic's last posts
HELPERS_TTL = 600.0  # seconds a helper group's member list is trusted
CLOSE_TIMEOUT = 5.0  # seconds the work in flight gets at shutdown (e.g. after SIGTERM)
VIA = "discourse"  # how this adapter's revocations' outcomes are told

# Discourse makes no mention inside code or a quote of someone else's post: what `re.sub` of
# r"```.*?```|`[^`\n]*`|\[quote[^\]]*\].*?\[/quote\]" (re.S | re.I) with " " blanks, but in linear time (that regex
# reads to the end of the post again from every unclosed "[quote" or "```": seconds for one long post).
_OPENER = re.compile(r"[`\[]")
_FENCE = re.compile("```")
_TICK_OR_EOL = re.compile(r"[`\n]")
_QUOTE = re.compile(r"\[quote", re.I)
_BRACKET = re.compile(r"\]")
_UNQUOTE = re.compile(r"\[/quote\]", re.I)


class _Finder:
    """The first match of a pattern at or after a position. A scan asks from growing positions, so a match found
    still lies ahead is reused (and none found stays none): each pattern reads the text about once."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self._pattern, self._text = pattern, text
        self._from: int | None = None
        self._match: re.Match[str] | None = None
        self.read = 0  # characters searched

    def __call__(self, pos: int) -> re.Match[str] | None:
        if self._from is None or pos < self._from or (self._match is not None and self._match.start() < pos):
            self._match = self._pattern.search(self._text, pos)
            self._from = pos
            self.read += (self._match.end() if self._match else len(self._text)) - pos
        return self._match


class _Blanker:
    """`text` with code and quotes blanked (see _OPENER); `read` says how much searching it took."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._finders = [_Finder(p, text) for p in (_OPENER, _FENCE, _TICK_OR_EOL, _BRACKET, _UNQUOTE)]

    @property
    def read(self) -> int:
        return sum(f.read for f in self._finders)

    def blanked(self) -> str:
        opener = self._finders[0]
        parts, kept, at = [], 0, 0
        while (found := opener(at)) is not None:
            at = found.start()
            end = self._code_or_quote_at(at)
            if end is None:
                at += 1
                continue
            parts += [self.text[kept:at], " "]
            kept = at = end
        return "".join(parts) + self.text[kept:]

    def _code_or_quote_at(self, at: int) -> int | None:
        """Where the code or quote starting at `at` ends (the regex's alternatives, in its order), or None."""
        _, fence, tick_or_eol, bracket, unquote = self._finders
        text = self.text
        if text.startswith("```", at) and (close := fence(at + 3)) is not None:
            return close.end()
        if text[at] == "`" and (close := tick_or_eol(at + 1)) is not None and close.group() == "`":
            return close.end()
        if (opened := _QUOTE.match(text, at)) is not None and (head := bracket(opened.end())) is not None \
                and (close := unquote(head.end())) is not None:
            return close.end()
        return None


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
    user_id: int | None
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
            username=str(data.get("username") or ""), user_id=_int(data.get("user_id"), None),
            raw=str(data.get("raw") or ""),
            category_id=_int(data.get("category_id"), None), topic_title=str(data.get("topic_title") or ""),
            private=data.get("topic_archetype") == "private_message",
            regular=_int(data.get("post_type"), REGULAR_POST) == REGULAR_POST,
        )


class Forum:
    def __init__(self, client: DiscourseClient, hub: HubClient, store: Store, config: DiscourseConfig,
                 leases: Leases, revocations: Revocations) -> None:
        self.client = client
        self.hub = hub
        self.store = store
        self.config = config
        self.ledger = Ledger(leases)
        self.work = leases.work
        self.revocations = revocations
        for kind in (TOPIC, MENTION, FOLLOWUP, SECRET):
            leases.register(KEY_PREFIX, kind, lambda claim: attempt(claim.key, lambda: self.redo(claim)))
        revocations.teller(VIA, self.tell_revocation)
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
        """Lets the work in flight finish (within a bound); what is cut short is given back for a retry."""
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=CLOSE_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

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
        self.work.task(task)
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
            post = await self.client.post(int(first["id"]))
            await self.handle(post | {"topic_title": topic.get("title") or post.get("topic_title")}, edited=True)

    def plan(self, post: ForumPost, *, edited: bool) -> list[Unit]:
        """What this post calls for, secrets first. Decided from the post alone (no request to the forum)."""
        if post.username.lower() == self.me or not post.regular:
            return []
        units: list[Unit] = []
        found = redact(post.raw)
        # A first post shows its topic's title, public like it (and in topic lists, e-mails, link previews).
        title_leaked = post.post_number == 1 and bool(redact(post.topic_title).findings)
        if title_leaked:
            found = redact(f"{post.topic_title}\n\n{post.raw}")
        if found.findings:
            digest = hashlib.sha256(found.text.encode()).hexdigest()[:16]
            key = f"{KEY_PREFIX}post:{post.id}:leak:{digest}"
            units.append(Unit(key, {"kind": SECRET, **_post_ids(post), "findings": leak_summary(found),
                                    "lang": detect_language(found.text)},
                              functools.partial(self._handle_secret, key, post, found, title_leaked)))
        if edited or post.private:
            return units
        mentioned = self._mentions(post.raw)
        followup = read_followup(self._mention.sub(" ", post.raw)) if post.post_number > 1 else None
        if post.post_number == 1 and (post.category_id in self.config.categories or mentioned):
            units.append(Unit(f"{KEY_PREFIX}topic:{post.topic_id}:answer", {"kind": TOPIC, **_post_ids(post)},
                              functools.partial(self._answer_topic, post)))
        elif followup is not None and (post.category_id in self.config.categories or mentioned):
            units.append(Unit(f"{KEY_PREFIX}post:{post.id}:followup", {"kind": FOLLOWUP, **_post_ids(post)},
                              functools.partial(self._acknowledge, post, followup, mentioned)))
        elif post.post_number > 1 and mentioned:
            units.append(Unit(f"{KEY_PREFIX}post:{post.id}:mention", {"kind": MENTION, **_post_ids(post)},
                              functools.partial(self._answer_mention, post)))
        return units

    async def redo(self, claim: Claim) -> str | None:
        """A unit whose process died, done again from the post as the forum has it now. A secret the post no longer
        holds (it was cleaned before the crash) still gets its private message, from the claim's payload."""
        payload = claim.payload
        try:
            post = ForumPost.from_json(await self.client.post(int(payload["post_id"])))
            if post is not None and post.post_number == 1 and not post.topic_title:  # its title may hold the leak
                post = replace(post, topic_title=str((await self.client.topic(post.topic_id)).get("title") or ""))
        except DiscourseRefused as exc:
            if exc.status != 404:
                raise
            post = None
        unit = next((u for u in self.plan(post, edited=False) if u.key == claim.key), None) if post else None
        if unit is not None:
            return await unit.work()
        if payload["kind"] == SECRET:
            return await self._finish_secret(claim.key, payload)
        return "gone"

    def _mentions(self, raw: str) -> bool:
        return self._mention.search(_Blanker(raw).blanked()) is not None

    # ---- answers ----

    async def _answer_topic(self, post: ForumPost) -> str | None:
        topic = await self._topic_to_answer(post, f"topic {post.topic_id}")
        if topic is None:
            return None
        raw = post.raw or str((await self.client.post(post.id)).get("raw") or "")
        return await self._answer(post, f"{topic.get('title') or post.topic_title}\n\n{raw}", post.username)

    async def _answer_mention(self, post: ForumPost) -> str | None:
        topic = await self._topic_to_answer(post, f"mention in post {post.id}")
        if topic is None:
            return None
        return await self._answer(post, await self._conversation(topic, post), _topic_author_name(topic))

    async def _topic(self, asking: ForumPost) -> Mapping[str, Any]:
        """The topic with, past its first chunk, the posts around `asking` and its latest posts (see AROUND_ASKING):
        the bot's earlier answer, a helper's answer, the author's thanks or replies are seldom in the first 20."""
        topic = await self.client.topic(asking.topic_id)
        stream = [i for i in ((topic.get("post_stream") or {}).get("stream") or []) if isinstance(i, int)]
        have = {_int(p.get("id"), None) for p in _posts(topic)}
        if set(stream) <= have:
            return topic
        at = stream.index(asking.id) if asking.id in stream else len(stream)
        wanted = stream[max(0, at - AROUND_ASKING):at + AROUND_ASKING + 1] + stream[-LATEST_READ:]
        missing = [i for i in dict.fromkeys(wanted) if i not in have]
        more = await self.client.topic_posts(asking.topic_id, missing) if missing else []
        posts = sorted(_posts(topic) + [p for p in more if isinstance(p, Mapping) and p.get("id") not in have],
                       key=lambda p: _int(p.get("post_number"), 0) or 0)
        return {**topic, "post_stream": {**topic["post_stream"], "posts": posts}}

    async def _topic_to_answer(self, post: ForumPost, asking: str) -> Mapping[str, Any] | None:
        """The topic of `post` when the bot is to answer in it, else None (why is counted and logged)."""
        topic = await self._topic(post)
        silence = await self._silence(topic, post)
        if silence:
            gate(Platform.DISCOURSE, silence.reason)
            log.info("%s: not answering (%s)", asking, silence)
            return None
        gate(Platform.DISCOURSE, GateReason.ANSWER)
        return topic

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

    async def _answer(self, post: ForumPost, text: str, author: str) -> str | None:
        kind = ReplyKind.VERDICT
        draft = None
        async with self._diagnoses:
            try:
                verdict = await diagnosis_service.diagnose_and_record(self.hub, self.store, text)
            except Exception:
                log.exception("diagnosing topic %s failed", post.topic_id)
                raw, kind = texts.apology(detect_language(text)), ReplyKind.NO_VERDICT
            else:
                draft = texts.email_message(verdict) if author else None
                raw = texts.verdict_reply(verdict, bot_username=self.config.api_username,
                                          checked_at=datetime.now(UTC), email_sent_to=author if draft else None)
        created = await self.client.reply(post.topic_id, raw, reply_to_post_number=post.post_number)
        replied(Platform.DISCOURSE, kind)
        if created.get("action") == "enqueued":
            log.info("the answer to post %s is waiting for the forum's review", post.id)
            return None
        if draft is not None:  # only once the answer is there: a reply retried or refused sends no draft
            await self._send_email_draft(author, draft, post.topic_id)
        return str(created.get("id"))

    async def _send_email_draft(self, author: str, draft: tuple[str, str], topic_id: int) -> None:
        """The support e-mail draft, privately to the topic's author (not into the public topic). Sent once, right
        after the answer: a failure is logged, not retried (a retry of the unit finds the answer and stops)."""
        try:
            await self.client.send_private_message(author, *draft)
        except DiscourseError as exc:
            log.warning("could not send the e-mail draft for topic %s privately: %s", topic_id, exc)

    async def _acknowledge(self, post: ForumPost, followup: Followup, mentioned: bool) -> str | None:
        """Thanks after the bot's answer: a short reply, and "it works now" recorded as the author's "helped" on
        that answer. Without a mention, only the topic's author thanking the bot's own answer is acknowledged."""
        topic = await self._topic(post)
        if topic.get("closed") or topic.get("archived"):
            return None
        answered = [p for p in _posts(topic) if str(p.get("username", "")).lower() == self.me
                    and (_int(p.get("post_number"), 0) or 0) < post.post_number]
        if not mentioned and (not answered or post.username.lower() != _topic_author(topic)):
            return None
        if followup.resolved and answered and post.user_id is not None:
            await self.store.record_feedback(int(answered[-1]["id"]), post.user_id, True)
        earlier = next((p for p in _posts(topic) if str(p.get("username", "")).lower() == self.me
                        and _int(p.get("reply_to_post_number"), 0) == post.post_number), None)
        if earlier is not None:  # acknowledged before the process that held it died
            return str(earlier.get("id"))
        created = await self.client.reply(post.topic_id, texts.followup_reply(followup),
                                          reply_to_post_number=post.post_number)
        return str(created.get("id"))

    # ---- secrets ----

    async def _handle_secret(self, key: str, post: ForumPost, found: Redaction,
                             title_leaked: bool = False) -> str | None:
        """Revoke (recorded first: the post is about to lose the token), clean (the title too) or flag, tell the
        author."""
        secrets_found(Platform.DISCOURSE, (f.kind for f in found.findings))
        tokens = found.hf_tokens()
        lang = detect_language(found.text)
        revocation = None
        if tokens:  # needs no rights on the forum
            await self.revocations.add(key, tokens, notify={"via": VIA, "claim": key, "username": post.username,
                                                            "lang": lang})
            revocation = RevocationStatus.PENDING
        kinds = "/".join(found.kinds)
        cleaned = False
        if self.staff:
            try:
                if title_leaked:
                    await self._rename(post.topic_id)
                await self._purge(post.id)  # after the rename: it hides the revision holding the old title too
                cleaned = True
            except DiscourseRefused as exc:
                log.warning("could not remove the %s from post %s (%s): flagging it instead", kinds, post.id, exc)
        if not cleaned:
            try:
                await self.client.flag_for_moderators(post.id, texts.flag_message(found, revoking=bool(tokens)))
            except DiscourseRefused as exc:
                log.warning("could not flag post %s holding a %s: %s", post.id, kinds, exc)
        return await self._tell_author(post, found, revocation, cleaned=cleaned, lang=lang)

    async def _finish_secret(self, key: str, payload: Mapping[str, Any]) -> str | None:
        """The private message of a leak whose post was cleaned (or edited) before the process that held it died.
        It promises a revocation only when one was recorded (a process can die between its claim and the record)."""
        found = summarised(payload["findings"])
        post = ForumPost(id=int(payload["post_id"]), topic_id=int(payload["topic_id"]),
                         post_number=int(payload["post_number"]), username=str(payload["username"]), user_id=None,
                         raw="", category_id=None, topic_title="", private=False, regular=True)
        revoking = any(kind in HF_KINDS for kind in found.kinds) and await self.revocations.recorded(key)
        return await self._tell_author(post, found, RevocationStatus.PENDING if revoking else None,
                                       cleaned=self.staff, lang=_lang(payload))

    async def _tell_author(self, post: ForumPost, found: Redaction, revocation: RevocationStatus | None, *,
                           cleaned: bool, lang: str) -> str | None:
        """The private message to the post's author (unless the bot sent it already); returns its topic id."""
        title = texts.private_message_title(lang, post.topic_id, post.post_number)
        sent = await self.client.sent_private_messages(self.config.api_username)
        earlier = next((t for t in sent if t.get("title") == title), None)
        if earlier is not None:
            return str(earlier.get("id"))
        message = await self.client.send_private_message(
            post.username, title,
            texts.private_message(found, revocation, post_url=self._post_url(post), cleaned=cleaned, lang=lang))
        replied(Platform.DISCOURSE, ReplyKind.LEAK_WARNING)
        return str(message.get("topic_id"))

    async def tell_revocation(self, row: PendingRevocation) -> bool:
        """Tells the author how the revocation the private message announced ended: a reply in that conversation.
        False while the private message is not sent yet (or the forum is out of reach)."""
        work = await self.store.get_claim(str(row.notify["claim"]))
        if work is None or not work.done:
            return False
        lang = _lang(row.notify)
        text = revocation_outcome(outcome(row), lang)
        try:
            if work.result and work.result.isdigit():
                await self.client.reply(int(work.result), text)
            else:
                title = texts.revocation_title(lang)
                await self.client.send_private_message(str(row.notify["username"]), title, text)
        except DiscourseRefused as exc:
            log.warning("could not tell %s how revoking their token ended: %s", row.notify["username"], exc)
        except DiscourseUnavailable:
            return False
        return True

    async def _rename(self, topic_id: int) -> None:
        """The topic's title as it is now, redacted."""
        now = redact(str((await self.client.topic(topic_id)).get("title") or ""))
        if now.findings:
            await self.client.rename_topic(topic_id, now.text)

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


def _lang(recorded: Mapping[str, Any]) -> str:
    """The language of the leak's author, as recorded with its work (a record from before it was kept: English)."""
    return str(recorded.get("lang", DEFAULT))


def _post_ids(post: ForumPost) -> dict[str, Any]:
    return {"post_id": post.id, "topic_id": post.topic_id, "post_number": post.post_number, "username": post.username}


def _posts(topic: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in (topic.get("post_stream") or {}).get("posts") or [] if isinstance(p, Mapping)]


def _topic_author_name(topic: Mapping[str, Any]) -> str:
    """The topic author's username as the forum spells it (for a private message)."""
    created_by = (topic.get("details") or {}).get("created_by") or {}
    first = next((p for p in _posts(topic) if _int(p.get("post_number"), 0) == 1), {})
    return str(created_by.get("username") or first.get("username") or "")


def _topic_author(topic: Mapping[str, Any]) -> str:
    return _topic_author_name(topic).lower()
