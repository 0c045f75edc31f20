"""Exactly once, for real: `python bot.py` processes on the sandbox Discord and Hub, killed with SIGKILL in the middle
of their work and restarted, or sharing PostgreSQL with a second process that receives every event too (as during a
rolling deploy). Every forum post, mention and leaked secret is handled once: not twice, not zero times.

The kill lands where it hurts: a leak's warning is held by the sandbox (`inject_hang`) after the message holding the
token was deleted, and the process holding it is killed while it also has diagnoses in flight (the Hub answers
slowly; the mentions reach the other process late, so that the one killed holds some answers whichever process won
the rest of the burst). Leases are short (`SPACEDOC_LEASE_SECONDS`) so that the survivor's sweep takes the work
within seconds.
"""
from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from diagnosis import texts
from diagnosis.leaks import rotation_lines
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from sandbox.discord_server import DiscordSandbox, GatewaySession, shard_of
from sandbox.harness import BotHarness, all_text
from sandbox.hub import SandboxHub
from sandbox.recording import RecordedRequest
from sandbox.secretgen import SecretGen
from spacedoc.leases import nonce
from spacedoc.store import GuildSettings, open_store
from tests.helpers import ROOT, free_port, until_idle

WAIT = 30.0
LEASE = "1.5"
BROKEN = "https://huggingface.co/spaces/orchid-nlp/summarizer"
POSTS, MENTIONS, LEAKS = 8, 3, 3
BUILD_FAILURE = texts.say("en", "title.build_failure")

pytestmark = pytest.mark.timeout(120)


class BotProc:
    """One `python bot.py` on the sandbox Discord, its log in a file (a pipe could fill up and block it)."""

    started: list[asyncio.subprocess.Process] = []  # killed after each test, whatever happened in it

    def __init__(self, d: DiscordSandbox, env: dict[str, str], log: Path) -> None:
        self.d, self.log = d, log
        self.port = free_port()  # its HTTP server: /metrics says what it is working on
        self.env = env | {"SPACEDOC_HTTP_PORT": str(self.port)}
        self.proc: asyncio.subprocess.Process | None = None
        self.session: GatewaySession | None = None  # its gateway connection

    async def start(self) -> BotProc:
        sessions = {id(s) for s in self.d.sessions if s.identified}
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT), env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=log)
        BotProc.started.append(self.proc)
        self.session, *_ = await self.d.wait_for(
            lambda: self._alive() and [s for s in self.d.sessions if s.identified and id(s) not in sessions],
            timeout=WAIT)
        return self

    def _alive(self) -> bool:
        assert self.proc is not None and self.proc.returncode is None, self.log.read_text()[-3000:]
        return True

    @property
    def owner(self) -> str:
        """Its id in the store (logged at start)."""
        return re.findall(r"holds its work in the store as (\w+)", self.log.read_text())[-1]

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> str:
        """SIGTERM: a clean exit, and a log without errors."""
        assert self.proc is not None
        self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 30)
        text = self.log.read_text()
        assert self.proc.returncode == 0, text[-3000:]
        problems = [line for line in text.splitlines() if " ERROR " in line or "Traceback" in line]
        assert not problems, problems
        return text


async def idle(d: DiscordSandbox, *bots: BotProc) -> None:
    """Every process still alive has read every event sent to it and finished what they called for: a late second
    answer would be there now."""
    while True:
        dispatched = d.dispatched
        await d.sync(timeout=WAIT)
        for bot in bots:
            if bot.proc is not None and bot.proc.returncode is None:
                await until_idle(bot.port, WAIT)
        if d.dispatched == dispatched:  # (the bots' own messages come back as events)
            return


@pytest.fixture(autouse=True)
async def no_process_left() -> Any:
    yield
    for proc in BotProc.started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    BotProc.started.clear()


def bot_env(d: DiscordSandbox, hub: SandboxHub, db: str, **extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")
    return ({k: v for k, v in os.environ.items() if k in keep} | {"PYTHONPATH": str(ROOT)}
            | BotHarness(db, discord=d, hub=hub).env() | {"SPACEDOC_LEASE_SECONDS": LEASE} | extra)


async def help_forum_configured(db: str, d: DiscordSandbox) -> None:
    """What `/spacedoc forum add` would have stored before the processes start."""
    store = await open_store(db)
    try:
        await store.save_guild_settings(GuildSettings(d.guild_id, help_forums=frozenset({d.help_forum})))
    finally:
        await store.close()


class Burst:
    """Forum posts, mentions and leaked Hugging Face tokens from different people, all at once; then what the bot
    must have done with each, exactly once."""

    def __init__(self, d: DiscordSandbox, seed: int) -> None:
        self.d = d
        self.gen = SecretGen(seed)
        self.posts: list[dict] = []
        self.mentions: list[dict] = []
        self.leaks: list[tuple[dict, str]] = []  # (message, token)

    async def send(self) -> None:
        await self.send_leaks_and_posts()
        await self.send_mentions()

    async def send_leaks_and_posts(self) -> None:
        d = self.d
        for n in range(LEAKS):  # in the help text channel (not configured: only moderation acts there)
            token = self.gen.sample("huggingface").secret
            self.leaks.append((await d.post(d.help_channel, d.add_user(f"leaker{n}"), f"my token {token} fails"),
                               token))
        for n in range(POSTS):
            self.posts.append(await d.create_forum_post(d.help_forum, d.add_user(f"poster{n}"), f"Build broken {n}",
                                                        f"My Space {BROKEN} fails to build since I changed "
                                                        f"requirements.txt, what is wrong? ({n})"))

    async def send_mentions(self) -> None:
        d = self.d
        for n in range(MENTIONS):
            self.mentions.append(await d.post(d.general, d.add_user(f"asker{n}"),
                                              f"<@{d.bot_user_id}> {BROKEN} fails to build, why? ({n})"))

    def answered(self) -> int:
        return sum(1 for p in self.posts if self.replies(int(p["id"]), p)) + sum(
            1 for m in self.mentions if self.replies(self.d.general, m))

    def replies(self, channel: int, message: dict) -> list[dict]:
        return [m for m in self.d.bot_messages(channel)
                if (m.get("message_reference") or {}).get("message_id") == message["id"]]

    def warnings(self) -> list[dict]:
        return self.d.bot_messages(self.d.help_channel)

    def done(self, hub: SandboxHub) -> bool:
        revoked = {t for body in hub.revoked for t in body["credentials"]}
        return (self.answered() == POSTS + MENTIONS and len(self.warnings()) >= LEAKS
                and {t for _, t in self.leaks} <= revoked
                and all(self.said_revoked(w) for w in self.warnings()))

    def said_revoked(self, warning: dict) -> bool:
        """The warning, edited once the Hub accepted the revocation, says so (diagnosis.leaks' words)."""
        message, _ = self.leaks[0]  # every leak is one Hugging Face token: each warning says the same of it
        return all(line in warning["content"]
                   for line in rotation_lines(redact(message["content"]), RevocationStatus.REVOKED))

    def assert_exactly_once(self, hub: SandboxHub) -> None:
        d = self.d
        for post in self.posts:
            thread = int(post["id"])
            assert len(d.bot_messages(thread)) == 1 and self.replies(thread, post), f"post {thread}"
            assert BUILD_FAILURE in all_text(d.bot_messages(thread))
        assert len(d.bot_messages(d.general)) == MENTIONS
        assert all(len(self.replies(d.general, m)) == 1 for m in self.mentions)
        warnings = self.warnings()
        assert len(warnings) == LEAKS, [w["content"][:80] for w in warnings]
        for message, token in self.leaks:
            assert (d.help_channel, int(message["id"])) in d.deleted
            (warning,) = [w for w in warnings if w["content"].startswith(f"<@{message['author']['id']}>")]
            assert "hf_[REDACTED] fails" in warning["embeds"][0]["description"]  # the repost
            assert token not in all_text([warning])
        revoked = [t for body in hub.revoked for t in body["credentials"]]
        assert sorted(set(revoked)) == sorted(t for _, t in self.leaks)


async def open_work(pg_url: str, owner: str, prefix: str) -> int:
    conn = await asyncpg.connect(pg_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM claims WHERE owner = $1 AND done = 0 AND key LIKE $2",
                                   owner, prefix + "%")
    finally:
        await conn.close()


async def holder_of(pg_url: str, request: RecordedRequest) -> str | None:
    """The process whose work sent `request`: the owner of the open claim whose nonce (spacedoc.leases.nonce) the
    request carries. Not just any open leak's owner: both processes may hold leaks, and the one whose warning is
    held is the one that must die (the other's own redo would queue behind the held request in its discord.py)."""
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch("SELECT key, owner FROM claims WHERE done = 0")
    finally:
        await conn.close()
    return next((owner for key, owner in rows if nonce(key) == request.body["nonce"]), None)


async def until(predicate: Any, timeout: float = WAIT) -> Any:
    async def poll() -> Any:
        while not (value := await predicate()):
            await asyncio.sleep(0.02)
        return value
    return await asyncio.wait_for(poll(), timeout)


async def test_two_processes_on_postgres_handle_each_event_once_and_finish_a_killed_ones_work(
        pg_url: str, tmp_path: Path) -> None:
    async with DiscordSandbox() as d, SandboxHub() as hub:
        await help_forum_configured(pg_url, d)
        env = bot_env(d, hub, pg_url)
        bots = [await BotProc(d, env, tmp_path / f"bot{n}.log").start() for n in range(2)]
        hub.latency_ms = 250  # diagnoses take a while: work is in flight when one process dies
        d.inject_hang("POST", rf"^/channels/{d.help_channel}/messages$")  # the first leak's warning, after its DELETE
        burst = Burst(d, seed=61)
        await burst.send_leaks_and_posts()  # both processes race for each
        (held,) = await d.wait_for(lambda: d.held, timeout=WAIT)
        held_by = await until(lambda: holder_of(pg_url, held))
        victim, survivor = sorted(bots, key=lambda b: b.owner != held_by)
        assert survivor.session is not None
        # It holds answers in flight too. The survivor may have won every post (on a loaded machine the process busy
        # with the leaks can be slower to claim them), so the mentions reach it only once the victim holds one.
        async with d.late(survivor.session):
            await burst.send_mentions()
            await until(lambda: open_work(pg_url, victim.owner, "answer:"))
        await victim.kill()

        await d.wait_for(lambda: burst.done(hub), timeout=WAIT)
        await idle(d, survivor)
        burst.assert_exactly_once(hub)
        both = [s for s in d.sessions if s.identified] + [s for s in d._resumable.values()]
        assert all(any(p.get("t") == "MESSAGE_CREATE" for p in s.sent) for s in both)  # both saw every event
        assert await open_work(pg_url, survivor.owner, "") == 0 and await open_work(pg_url, victim.owner, "") == 0
        log = await survivor.stop()
        assert "redoing leak:msg:" in log and "redoing answer:msg:" in log


async def test_one_process_on_sqlite_killed_mid_burst_restarts_and_answers_everything_once(tmp_path: Path) -> None:
    db = str(tmp_path / "bot.sqlite3")
    async with DiscordSandbox() as d, SandboxHub() as hub:
        await help_forum_configured(db, d)
        env = bot_env(d, hub, db)
        bot = await BotProc(d, env, tmp_path / "bot.log").start()
        hub.latency_ms = 250
        d.inject_hang("POST", rf"^/channels/{d.help_channel}/messages$")
        first = len(d.events)
        burst = Burst(d, seed=62)
        await burst.send()
        await d.wait_for(lambda: d.hanging == 1 and 0 < burst.answered() < POSTS + MENTIONS, timeout=WAIT)
        await bot.kill()
        asked = [(event, data) for event, data in d.events[first:]
                 if event == "MESSAGE_CREATE" and data["author"]["id"] != str(d.bot_user_id)]

        restarted = await BotProc(d, env, tmp_path / "bot.log").start()  # the same database
        await d.redeliver(asked)  # the gateway delivers the burst again
        await d.wait_for(lambda: burst.done(hub), timeout=WAIT)
        await idle(d, restarted)
        burst.assert_exactly_once(hub)
        await restarted.stop()


async def test_shards_split_between_processes(pg_url: str, tmp_path: Path) -> None:
    async with DiscordSandbox() as d, SandboxHub() as hub:
        bots = [await BotProc(d, bot_env(d, hub, pg_url, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS=str(n)),
                              tmp_path / f"shard{n}.log").start() for n in range(2)]
        assert sorted(s.shard for s in d.sessions if s.identified) == [(0, 2), (1, 2)]
        owner = shard_of(d.guild_id, 2)
        asked = await d.post(d.general, d.add_user("sam"), f"<@{d.bot_user_id}> {BROKEN} fails to build")
        reply = await d.wait_for_bot_message(d.general, after=int(asked["id"]), timeout=WAIT)
        await idle(d, *bots)
        assert len(d.bot_messages(d.general)) == 1 and BUILD_FAILURE in all_text([reply])
        got = {s.shard[0]: [p["t"] for p in s.sent] for s in d.sessions if s.identified}
        assert "MESSAGE_CREATE" in got[owner] and "GUILD_CREATE" in got[owner]
        assert not {"MESSAGE_CREATE", "GUILD_CREATE"} & set(got[1 - owner])  # another shard's guild
        for bot in bots:
            await bot.stop()


async def test_a_diagnose_cut_short_by_a_kill_is_finished_through_its_webhook(tmp_path: Path) -> None:
    """Killed after it deferred the interaction: the next start edits the response while Discord keeps the token."""
    db = str(tmp_path / "bot.sqlite3")
    async with DiscordSandbox() as d, SandboxHub() as hub:
        env = bot_env(d, hub, db)
        bot = await BotProc(d, env, tmp_path / "bot.log").start()
        d.inject_hang("PATCH", r"^/webhooks/\d+/[^/]+/messages/@original$")  # its first progress line
        interaction = await d.invoke_slash("diagnose", {"space": "orchid-nlp/summarizer"}, user=d.add_user("ann"),
                                           channel_id=d.general)
        await d.wait_for(lambda: d.hanging == 1, timeout=WAIT)
        assert interaction.responded  # deferred: "thinking…"
        await bot.kill()
        restarted = await BotProc(d, env, tmp_path / "bot.log").start()
        answer = await d.wait_for_response(interaction, lambda m: bool(m["embeds"]), timeout=WAIT)
        assert BUILD_FAILURE in all_text([answer])
        await idle(d, restarted)
        assert len(d.bot_messages(d.general)) == 1
        await restarted.stop()
