"""Space Doctor on a Discourse forum, end to end: `python bot.py` as a subprocess, configured only by environment
variables, against the sandbox Discourse (signed webhooks, `/posts.json`) and the sandbox Hub.

Every test stops the process and checks what it left: exit code 0, no traceback or ERROR line, no route the sandbox
could not serve, and no secret in any request the bot sent to the forum.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from diagnosis import texts
from diagnosis.leaks import revocation_outcome, rotation_lines
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from forum.texts import EDIT_REASON, flag_message
from sandbox.discord_server import DiscordSandbox
from sandbox.discourse import SandboxDiscourse
from sandbox.harness import BotHarness, all_text
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from tests.helpers import ROOT, free_port, until_idle

HOME = 24  # the category the bot answers in (/c/spaces/24)
ELSEWHERE = 5
BROKEN = "https://huggingface.co/spaces/orchid-nlp/summarizer"  # a build failure in the sandbox Hub
BROKEN_TEXT = f"My Space {BROKEN} fails to build since I changed requirements.txt, what is wrong?"
WAIT = 20.0
BUILD_FAILURE = texts.say("en", "title.build_failure")

pytestmark = pytest.mark.timeout(90)


class BotProcess:
    """`python bot.py` against a sandbox forum, in webhook mode (the forum has a secret) or polling mode."""

    started: list[asyncio.subprocess.Process] = []  # killed after each test, whatever happened in it

    def __init__(self, forum: SandboxDiscourse, hub: SandboxHub, db: Path, **env: str) -> None:
        self.forum, self.db = forum, db
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")} | {
            "PYTHONPATH": str(ROOT), "HF_ENDPOINT": hub.endpoint, "SPACEDOC_STATUS_URL": hub.status_url,
            "SPACEDOC_DB": str(db), "LOG_LEVEL": "DEBUG", "SPACEDOC_HTTP_PORT": str(self.port),
            "DISCOURSE_URL": forum.url, "DISCOURSE_API_KEY": forum.api_key,
            "DISCOURSE_API_USERNAME": forum.bot.username, "DISCOURSE_CATEGORIES": f"{HOME}, 99",
            "DISCOURSE_POLL_SECONDS": "0.2",
        } | ({"DISCOURSE_WEBHOOK_SECRET": forum.webhook_secret} if forum.webhook_secret else {}) | env
        self.proc: asyncio.subprocess.Process | None = None
        self.log = db.parent / "bot.log"  # a file, not a pipe: a DEBUG log could fill a pipe and block the bot
        self.stderr = ""

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT), env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        BotProcess.started.append(self.proc)
        await asyncio.wait_for(self._until_serving(), WAIT)
        if self.forum.webhook_secret:
            self.forum.webhook_url = f"http://127.0.0.1:{self.port}/discourse/webhook"
        else:
            await self.polls_done(1)

    async def polls_done(self, n: int) -> None:
        """Waits until `n` more polls have run to their end (the one after them started: polls run one by one)."""
        def polls() -> int:
            return len([r for r in self.forum.requests_to("GET", r"^/posts\.json$") if "before" not in r.query])
        target = polls() + n + 1
        await self.forum.wait_for(lambda: polls() >= target, timeout=WAIT)

    async def idle(self) -> None:
        """The bot has handled every post the forum sent it (each webhook delivered, or a poll run past them) and has
        no work in progress: an answer it has not posted, it will not post."""
        while True:
            deliveries = len(self.forum.deliveries)
            if not self.forum.webhook_secret:
                await self.polls_done(1)
            elif not self.forum.holding_webhooks:
                await self.forum.deliveries_done()
            await until_idle(self.port, WAIT)
            if len(self.forum.deliveries) == deliveries:  # (the bot's own posts come back as webhooks)
                return

    async def _until_serving(self) -> None:
        while True:
            assert self.proc is not None and self.proc.returncode is None, "bot.py exited"
            try:
                await self.health()
                return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
            assert response.status == 200
            return await response.json()

    async def kill(self) -> None:
        """SIGKILL: nothing is finished, nothing flushed."""
        assert self.proc is not None
        self.proc.kill()
        await self.proc.wait()

    async def stop(self) -> str:
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)
        self.stderr = self.log.read_text()
        assert self.proc.returncode == 0, self.stderr[-3000:]
        problems = [line for line in self.stderr.splitlines() if " ERROR " in line or "Traceback" in line]
        assert not problems, problems
        assert not self.forum.unhandled
        sent = [f"{r.method} {r.path}" for r in self.forum.requests if redact(r.text()).findings]
        assert not sent, f"secrets sent to the forum: {sent}"
        return self.stderr


@pytest.fixture(autouse=True)
async def no_process_left() -> Any:
    yield
    for proc in BotProcess.started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    BotProcess.started.clear()


@pytest.fixture
async def hub() -> Any:
    async with SandboxHub() as server:
        yield server


def webhook_forum(**options: Any) -> SandboxDiscourse:
    return SandboxDiscourse(webhook_secret=SecretGen(seed=1).r("abcdefghijklmnopqrstuvwxyz", 32), **options)


async def test_webhook_topic_answered_once_and_its_redelivery_ignored(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        assert await bot.health() == {"discord": "off", "store": "ok", "discourse": "ok"}
        alice = forum.add_user("alice")
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        answer = (await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=WAIT))[0]
        assert answer.reply_to_post_number == 1
        assert answer.raw.startswith(f"**Space Doctor — {BUILD_FAILURE}") and "botocore" in answer.raw
        assert "<@" not in answer.raw and "||" not in answer.raw  # no Discord-only markup
        await forum.deliveries_done()
        created = next(d for d in forum.deliveries if d.event == "post_created"
                       and json.loads(d.body)["post"]["id"] == post.id)
        assert created.status == 200
        again = await forum.redeliver(created.event_id)  # Discourse's retry: same post, new event id
        assert again.status == 200 and again.event_id != created.event_id
        await bot.idle()
        assert len(forum.bot_posts(post.topic_id)) == 1
        assert len(forum.requests_to("POST", r"^/posts\.json$")) == 1
        await bot.stop()


async def test_one_process_serves_discord_and_discourse(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum, DiscordSandbox() as discord:
        discord_env = BotHarness(str(tmp_path / "bot.sqlite3"), discord=discord, hub=hub).env()
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3", **discord_env)
        await bot.start()
        await discord.wait_for(lambda: any(s.identified for s in discord.sessions), timeout=WAIT)
        alice = forum.add_user("alice")
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        sam = discord.add_user("sam")
        asked = await discord.post(discord.general, sam, f"<@{discord.bot_user_id}> {BROKEN_TEXT}")
        on_discord = await discord.wait_for_bot_message(discord.general, after=int(asked["id"]), timeout=WAIT)
        on_forum = (await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=WAIT))[0]
        assert BUILD_FAILURE in all_text([on_discord]) and BUILD_FAILURE in on_forum.raw
        health = await bot.health()
        assert health == {"discord": "connected", "store": "ok", "discourse": "ok"}
        await bot.stop()
    assert not discord.unhandled


async def test_bad_or_missing_signature_is_refused(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice = forum.add_user("alice")
        forum.hold_webhooks()
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        body = json.dumps({"post": forum.post_json(post, webhook=True)}).encode()
        headers = {"Content-Type": "application/json", "X-Discourse-Event": "post_created",
                   "X-Discourse-Event-Type": "post", "X-Discourse-Event-Id": "77"}
        wrong = SandboxDiscourse(webhook_secret="another-secret-of-the-right-length").signature(body)
        assert await forum.post_raw_webhook(body, headers) == 401
        assert await forum.post_raw_webhook(body, headers | {"X-Discourse-Event-Signature": wrong}) == 401
        tampered = body.replace(b"requirements", b"Requirements")
        assert await forum.post_raw_webhook(tampered, headers | {
            "X-Discourse-Event-Signature": forum.signature(body)}) == 401
        await bot.idle()
        assert not forum.bot_posts() and not forum.requests_to("GET", r"^/t/")
        signed = headers | {"X-Discourse-Event-Signature": forum.signature(body)}
        assert await forum.post_raw_webhook(body, signed) == 200
        await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=WAIT)
        err = await bot.stop()
        assert err.count("missing or wrong signature") == 3


async def test_topic_posted_while_down_is_answered_after_a_restart_by_polling(hub: SandboxHub,
                                                                              tmp_path: Path) -> None:
    # Polling every 0.2 s from three processes in a row would spend the forum's 60 requests a minute (the bot's
    # own budget is per process); the limit itself is tested with the client.
    async with SandboxDiscourse(admin_api_per_minute=10_000) as forum:
        alice, bob = forum.add_user("alice"), forum.add_user("bob")
        old = await forum.create_topic(alice, HOME, "An old question", BROKEN_TEXT)  # before the bot ever ran
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        await bot.stop()
        down = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        for n in range(60):  # more than a page of /posts.json: the bot must page back with before=
            await forum.reply(bob, old.topic_id, f"Chatter number {n} while the bot is down.")
        await bot.start()
        answer = (await forum.wait_for(lambda: forum.bot_posts(down.topic_id), timeout=WAIT))[0]
        assert answer.reply_to_post_number == 1 and BUILD_FAILURE in answer.raw
        assert any(r.query.get("before") for r in forum.requests_to("GET", r"^/posts\.json$"))
        await bot.stop()
        await bot.start()  # and once more: nothing is answered twice
        await bot.polls_done(2)
        assert len(forum.bot_posts(down.topic_id)) == 1 and not forum.bot_posts(old.topic_id)
        await bot.stop()


async def test_webhook_mode_catches_up_on_a_topic_posted_while_down(hub: SandboxHub, tmp_path: Path) -> None:
    """Discourse does not retry a delivery that failed while the bot was down: the bot reads /posts.json at start
    and answers the topic itself; a late retry of the lost delivery is then no second answer."""
    async with webhook_forum() as forum:
        alice = forum.add_user("alice")
        old = await forum.create_topic(alice, HOME, "An old question", BROKEN_TEXT)  # before the bot ever ran
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        await forum.wait_for(lambda: forum.requests_to("GET", r"^/posts\.json$"), timeout=WAIT)
        await bot.idle()  # the first read only notes where the forum is
        await bot.stop()
        down = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        await forum.deliveries_done()
        lost = [d for d in forum.deliveries
                if d.event == "post_created" and json.loads(d.body)["post"]["id"] == down.id]
        assert [d.status for d in lost] == [-1]
        await bot.start()
        answer = (await forum.wait_for(lambda: forum.bot_posts(down.topic_id), timeout=WAIT))[0]
        assert answer.reply_to_post_number == 1 and BUILD_FAILURE in answer.raw
        assert (await forum.redeliver(lost[0].event_id)).status == 200
        await bot.idle()
        assert len(forum.bot_posts(down.topic_id)) == 1 and not forum.bot_posts(old.topic_id)
        await bot.stop()


async def test_solved_staff_answered_and_foreign_topics_stay_silent(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice, bob = forum.add_user("alice"), forum.add_user("bob")
        mod = forum.add_user("mod-kim", moderator=True)
        forum.hold_webhooks()  # the events wait in the forum's queue while people act
        solved = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        forum.accept_answer((await forum.reply(bob, solved.topic_id, "Pin torch to a version with wheels.")).id)
        helped = await forum.create_topic(bob, HOME, "My Space does not build", BROKEN_TEXT)
        await forum.reply(mod, helped.topic_id, "Looking at it: your pin has no wheel for Python 3.10.")
        foreign = await forum.create_topic(alice, ELSEWHERE, "Build error in another category", BROKEN_TEXT)
        forum.release_webhooks()
        await forum.deliveries_done()
        await bot.idle()
        assert not forum.bot_posts()
        checked = {r.path for r in forum.requests_to("GET", r"^/t/")}
        assert checked == {f"/t/{solved.topic_id}.json", f"/t/{helped.topic_id}.json"}  # foreign: not even read
        assert foreign.topic_id not in {int(p.rsplit("/", 1)[1].split(".")[0]) for p in checked}
        err = await bot.stop()
        assert "(solved)" in err and "mod-kim already answered" in err


async def test_mentions_and_follow_ups(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice, bob = forum.add_user("alice"), forum.add_user("bob")
        me = f"@{forum.bot.username}"
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
        await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=WAIT)
        await forum.reply(alice, post.topic_id, "I removed the pin, still the same build error.")  # no mention
        await forum.reply(bob, post.topic_id, f"{me} what do you think?")  # not the author: not a follow-up
        await forum.reply(alice, post.topic_id, f"`{me}` in code is no mention, neither is this quote: "
                                                f"[quote]{me} look[/quote]")
        asked = await forum.reply(alice, post.topic_id, f"{me} could you check again please?")
        follow_up = (await forum.wait_for(lambda: forum.bot_posts(post.topic_id)[1:], timeout=WAIT))[0]
        assert follow_up.reply_to_post_number == asked.post_number
        elsewhere = await forum.create_topic(bob, ELSEWHERE, "Off-topic chat", "Talking about GPUs in general.")
        mention = await forum.reply(alice, elsewhere.topic_id, f"{me} is {BROKEN} broken?")
        answer = (await forum.wait_for(lambda: forum.bot_posts(elsewhere.topic_id), timeout=WAIT))[0]
        assert answer.reply_to_post_number == mention.post_number and BUILD_FAILURE in answer.raw
        await forum.deliveries_done()
        await bot.idle()
        assert len(forum.bot_posts(post.topic_id)) == 2 and len(forum.bot_posts(elsewhere.topic_id)) == 1
        err = await bot.stop()
        assert "a follow-up not from the topic's author" in err


async def test_killed_mid_burst_and_restarted_every_topic_answered_once(hub: SandboxHub, tmp_path: Path) -> None:
    """SIGKILL in the middle of a burst of topics, deliveries lost while the bot is down, then Discourse's retries
    (every event again, new event ids): every topic is answered once and the leaked token's author told once."""
    token = SecretGen(seed=13).sample("huggingface").secret
    async with webhook_forum(admin_api_per_minute=10_000) as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3", LOG_LEVEL="INFO", SPACEDOC_LEASE_SECONDS="1.5")
        await bot.start()
        hub.latency_ms = 250  # diagnoses take a while: some are in flight when the bot dies
        people = [forum.add_user(f"person{n}") for n in range(9)]
        leak = await forum.create_topic(people[0], HOME, "Cannot log in from my Space",
                                        f"{BROKEN_TEXT}\nI use HF_TOKEN={token} in app.py")
        topics = [leak] + [await forum.create_topic(person, HOME, f"Build error, take {n}", f"{BROKEN_TEXT} ({n})")
                           for n, person in enumerate(people[1:])]

        def answered() -> int:
            return sum(1 for t in topics if forum.bot_posts(t.topic_id))

        await forum.wait_for(lambda: 0 < answered() < len(topics), timeout=WAIT)
        await bot.kill()
        await forum.deliveries_done()  # what was sent while it was down is lost
        await bot.start()
        for delivery in [d for d in forum.deliveries if d.event == "post_created"]:
            await forum.redeliver(delivery.event_id)
        await forum.wait_for(lambda: answered() == len(topics) and forum.private_messages_to(people[0].username),
                             timeout=WAIT)
        await bot.idle()
        assert all(len(forum.bot_posts(t.topic_id)) == 1 for t in topics)
        assert len(forum.private_messages_to(people[0].username)) == 1
        assert token not in forum.public_text(leak.id) and token in {t for b in hub.revoked for t in b["credentials"]}
        await bot.stop()
    assert_nothing_holds(token, bot)


def assert_nothing_holds(token: str, bot: BotProcess) -> None:
    """The token is in no request the bot sent to the forum (checked by stop()), no log line, no stored byte."""
    assert token not in bot.stderr and token[3:] not in bot.stderr
    for path in bot.db.parent.glob(bot.db.name + "*"):  # the database, its WAL and shared memory
        data = path.read_bytes()
        assert token.encode() not in data and token[3:].encode() not in data, path.name


async def test_token_as_staff_is_redacted_its_revisions_hidden_revoked_and_author_told(
        hub: SandboxHub, tmp_path: Path) -> None:
    gen = SecretGen(seed=11)
    created, added = gen.sample("huggingface").secret, gen.sample("huggingface").secret
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice, bob = forum.add_user("alice"), forum.add_user("bob")
        first = f"{BROKEN_TEXT}\nI log in with HF_TOKEN={created} in app.py"
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", first)
        await forum.wait_for(lambda: forum.bot_posts(post.topic_id), timeout=WAIT)
        await forum.wait_for(lambda: post.revisions and all(r.hidden for r in post.revisions.values()), timeout=WAIT)
        assert post.raw.endswith("HF_TOKEN=hf_[REDACTED] in app.py") and created not in forum.public_text(post.id)
        assert post.edit_reason == EDIT_REASON
        assert created not in forum.bot_posts(post.topic_id)[0].raw

        reply = await forum.reply(bob, post.topic_id, "Same problem here, my setup is in the next edit.")
        edited = f"Same problem here: curl -H 'Authorization: Bearer {added}' fails."
        await forum.edit(bob, reply.id, edited)
        await forum.wait_for(lambda: "[REDACTED]" in reply.raw and all(r.hidden for r in reply.revisions.values()),
                             timeout=WAIT)
        assert added not in forum.public_text(reply.id)

        await forum.wait_for(lambda: {created, added} <= {t for b in hub.revoked for t in b["credentials"]},
                             timeout=WAIT)
        assert hub.revoke_requests_with_auth == 0
        for author, token, text in ((alice, created, first), (bob, added, edited)):
            told = await forum.wait_for(lambda name=author.username: forum.private_messages_to(name), timeout=WAIT)
            assert len(told) == 1 and token not in told[0].raw
            # what leaked, that it is compromised, how to rotate it, and that the revocation is under way
            assert all(line in told[0].raw for line in rotation_lines(redact(text), RevocationStatus.PENDING))
            # Once the Hub accepted it, the same conversation says so.
            conversation = forum.topics[told[0].topic_id].post_ids
            confirmed = await forum.wait_for(lambda posts=conversation: posts[1:], timeout=WAIT)
            assert forum.posts[confirmed[0]].raw == revocation_outcome(RevocationStatus.REVOKED)
        assert not forum.flags
        await bot.idle()
        await bot.stop()
    assert_nothing_holds(created, bot)
    assert_nothing_holds(added, bot)


async def test_a_token_in_a_topic_title_is_redacted_its_revision_hidden_revoked_and_author_told(
        hub: SandboxHub, tmp_path: Path) -> None:
    """A title is as public as the post (and a rename arrives as `topic_edited` alone): as staff the bot renames the
    topic to the redacted title and hides the revision that keeps the old one."""
    gen = SecretGen(seed=14)
    created, renamed = gen.sample("huggingface").secret, gen.sample("huggingface").secret
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice, bob = forum.add_user("alice"), forum.add_user("bob")
        leaked = await forum.create_topic(alice, HOME, f"401 from the Hub with {created}", BROKEN_TEXT)
        later = await forum.create_topic(bob, HOME, "Build error after updating requirements", BROKEN_TEXT)
        await forum.wait_for(lambda: forum.bot_posts(later.topic_id), timeout=WAIT)
        await forum.edit(bob, later.id, later.raw, title=f"Build error, and a 401 with {renamed}")
        for post, token in ((leaked, created), (later, renamed)):
            topic = forum.topics[post.topic_id]
            await forum.wait_for(lambda t=topic, p=post: t.title.endswith("hf_[REDACTED]") and p.revisions
                                 and all(r.hidden for r in p.revisions.values()), timeout=WAIT)
            assert token not in forum.public_text(post.id)
        await forum.wait_for(lambda: {created, renamed} <= {t for b in hub.revoked for t in b["credentials"]},
                             timeout=WAIT)
        for author, token in ((alice, created), (bob, renamed)):
            told = await forum.wait_for(lambda name=author.username: forum.private_messages_to(name), timeout=WAIT)
            assert len(told) == 1 and token not in told[0].raw
        assert len(forum.bot_posts(leaked.topic_id)) == 1 and len(forum.bot_posts(later.topic_id)) == 1
        assert not forum.flags
        await bot.idle()
        await bot.stop()
    assert_nothing_holds(created, bot)
    assert_nothing_holds(renamed, bot)


async def test_token_without_staff_is_flagged_revoked_and_author_told(hub: SandboxHub, tmp_path: Path) -> None:
    token = SecretGen(seed=12).sample("huggingface").secret
    # An ordinary account, so polling. Discourse lets it create one post every 5 s: the answer and the private
    # message would wait on a 429 (the client's handling of it has its own test).
    async with SandboxDiscourse(bot_staff=False, create_post_interval=0, admin_api_per_minute=10_000) as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice = forum.add_user("alice")
        text = f"{BROKEN_TEXT}\nexport HF_TOKEN={token}"
        post = await forum.create_topic(alice, HOME, "Build error after updating requirements", text)
        await forum.wait_for(lambda: forum.flags and forum.private_messages_to("alice") and forum.bot_posts(),
                             timeout=WAIT)
        await forum.wait_for(lambda: any(token in b["credentials"] for b in hub.revoked), timeout=WAIT)
        flag = forum.flags[0]
        assert (flag.post_id, flag.by, flag.post_action_type_id) == (post.id, forum.bot.username, 7)
        assert flag.message == flag_message(redact(text), revoking=True) and token not in flag.message
        told = forum.private_messages_to("alice")[0].raw
        assert texts.say("en", "forum.leak_flagged", them="it") in told and token not in told  # "edit it out"
        assert post.raw == text and not post.revisions  # not staff: the bot cannot edit other people's posts
        assert not forum.requests_to("PUT", r"^/posts/")
        await bot.polls_done(1)
        await bot.stop()
    assert_nothing_holds(token, bot)


async def test_refusals_from_the_forum_are_one_line_and_nothing_stops(hub: SandboxHub, tmp_path: Path) -> None:
    async with webhook_forum() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3")
        await bot.start()
        alice = forum.add_user("alice")
        forum.hold_webhooks()  # one topic after the other, each meeting its own refusal
        forum.inject_error("GET", r"^/t/", 403, "You are not permitted to view the requested resource.")
        forum.inject_error("POST", r"^/posts\.json$", 422, "Body is too similar to what you recently posted")
        topics = [await forum.create_topic(alice, HOME, f"Build error, take {n}", BROKEN_TEXT) for n in range(3)]
        forum.release_webhooks()
        await forum.wait_for(lambda: forum.bot_posts(topics[2].topic_id), timeout=WAIT)
        await forum.deliveries_done()
        await bot.idle()
        assert not forum.bot_posts(topics[0].topic_id) and not forum.bot_posts(topics[1].topic_id)
        err = await bot.stop()
    refused = [line for line in err.splitlines() if " not done: " in line]
    assert len(refused) == 2 and "HTTP 403" in refused[0] and "HTTP 422 (Body is too similar" in refused[1]


@pytest.mark.parametrize("change, says", [  # (bad settings are one-line errors too: tests/forum/test_rules.py)
    ({"DISCOURSE_API_KEY": "wrong-key"}, "refused DISCOURSE_API_KEY"),
    ({"DISCOURSE_URL": "http://127.0.0.1:9"}, "cannot reach Discourse"),
])
async def test_startup_problems_are_one_line_errors(hub: SandboxHub, tmp_path: Path, change: dict[str, str],
                                                    says: str) -> None:
    async with SandboxDiscourse() as forum:
        bot = BotProcess(forum, hub, tmp_path / "bot.sqlite3", LOG_LEVEL="INFO", **change)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT), env=bot.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
    errors = [line for line in err.decode().splitlines() if "error" in line.lower()]
    assert proc.returncode == 1 and "Traceback" not in err.decode()
    assert len(errors) == 1 and errors[0].startswith("bot.py: error:") and says in errors[0], errors
