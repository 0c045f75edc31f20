"""One bot process on one asyncio loop: the store and the Hub client, Discord (when DISCORD_TOKEN is set), the
Discourse forum (when DISCOURSE_URL is set) and the HTTP server (when SPACEDOC_HTTP_PORT is set).

    service = Service(config)
    await service.start()      # raises StartupError (one line for the person starting it) when a part cannot start
    await service.wait()       # until stop() or the Discord bot ends (its failure is raised here)
    await service.close()      # every part, in reverse order; safe after a failed start

`bot.py` runs it for `python bot.py`; the sandbox harness runs it the same way for the tests and the demo.

Besides the parts it runs four loops: the heartbeat that renews this process's leases, the sweep that redoes work a
dead process left (at start-up and every half lease), the revocation worker, and the retention prune (hourly).

Health (`GET /healthz`, spacedoc.http_server): 503 while the store does not answer, or once Discord has been
disconnected for longer than `discord_grace` seconds (discord.py reconnects by itself; a longer gap needs a
restart); `clock` (monotonic seconds) is injectable so tests need not wait.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from diagnosis.hub import HubClient
from forum.adapter import Forum
from forum.client import DiscourseClient, DiscourseRefused, DiscourseUnavailable
from forum.polling import Poller
from forum.webhook import PATH as WEBHOOK_PATH
from forum.webhook import WebhookReceiver
from spacedoc.config import Config
from spacedoc.discord_bot import SpaceDoctor, discord_at
from spacedoc.http_server import HttpServer, Unhealthy
from spacedoc.leases import Leases
from spacedoc.metrics import WorkInProgress, observe_probe
from spacedoc.revocations import Revocations
from spacedoc.store import Store, open_store

log = logging.getLogger(__name__)

PRUNE_SECONDS = 3600.0
DRAIN_SECONDS = 5.0  # how long the work in flight may take to finish at shutdown (e.g. after SIGTERM)
DISCORD_GRACE_SECONDS = 120.0  # discord.py's reconnect backoff stays well below this


async def _open_store(config: Config) -> Store:
    threads = set(threading.enumerate())
    try:
        return await open_store(config.db_path, lease_seconds=config.lease_seconds)
    except sqlite3.Error:
        # After a failed connect aiosqlite stops its worker thread without waiting for it; wait here, while the loop
        # still runs, or the thread's last callback meets a closed loop (a traceback after the one-line error).
        for thread in set(threading.enumerate()) - threads:
            thread.join(timeout=1.0)
        raise


class StartupError(Exception):
    """A part of the process cannot start; the message is one line meant for the person starting the bot."""


class Service:
    def __init__(self, config: Config, *, http_host: str = "0.0.0.0", guild_ready_timeout: float = 2.0,
                 discord_grace: float = DISCORD_GRACE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.http_host = http_host
        self.guild_ready_timeout = guild_ready_timeout
        self.discord_grace = discord_grace
        self.clock = clock
        self.store: Store | None = None
        self.hub: HubClient | None = None
        self.forum: Forum | None = None
        self.poller: Poller | None = None
        self.http: HttpServer | None = None
        self.bot: SpaceDoctor | None = None
        self.bot_task: asyncio.Task[None] | None = None
        self.leases: Leases | None = None
        self.revocations: Revocations | None = None
        self.work = WorkInProgress().reported()  # what the process is doing right now (spacedoc_work_in_progress)
        self._poll_task: asyncio.Task[None] | None = None
        self._loops: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._closing = contextlib.AsyncExitStack()

    async def start(self) -> None:
        config = self.config
        self.store = await _open_store(config)
        self._closing.push_async_callback(self.store.close)
        log.info("this process holds its work in the store as %s", self.store.owner)
        self.hub = HubClient(endpoint=config.hf_endpoint, status_url=config.status_url, on_probe=observe_probe)
        self._closing.push_async_callback(self.hub.aclose)
        self.leases = Leases(self.store, self.work)
        self.revocations = Revocations(self.store, self.hub.revoke_credentials,
                                       give_up_after=config.revoke_minutes * 60, work=self.work)
        if config.discourse is not None:
            await self._start_forum()
        if config.http_port is not None:
            await self._start_http()
        if config.token is not None:
            self._closing.enter_context(discord_at(config.api_base, config.gateway_url))
            self.bot = SpaceDoctor(config, self.hub, self.store, self.leases, self.revocations,
                                   guild_ready_timeout=self.guild_ready_timeout, clock=self.clock)
            self._closing.push_async_callback(self.bot.close)
            self.bot_task = asyncio.create_task(self.bot.start(config.token), name="spacedoc-discord")
        self._start_loops()

    def _start_loops(self) -> None:
        assert self.leases is not None and self.revocations is not None
        for name, loop in (("heartbeat", self.leases.heartbeat()),
                           ("sweep", self.leases.sweep(self.config.lease_seconds / 2)),
                           ("revocations", self.revocations.run()),
                           ("prune", self._prune())):
            self._loops.append(asyncio.create_task(loop, name=f"spacedoc-{name}"))
        self._closing.push_async_callback(self._stop_loops)  # first to stop: they use every other part

    async def _stop_loops(self) -> None:
        assert self.leases is not None
        await self.leases.drain(DRAIN_SECONDS)
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)

    async def _prune(self) -> None:
        """Deletes answered work, diagnoses, verdicts and votes older than SPACEDOC_RETENTION_DAYS, hourly."""
        assert self.store is not None
        while True:
            try:
                pruned = await self.store.prune(datetime.now(UTC) - timedelta(days=self.config.retention_days))
            except Exception as exc:  # the database out of reach: the next round tries again
                log.warning("pruning old records failed: %s", exc)
            else:
                if pruned:
                    log.info("pruned %d records older than %g days", pruned, self.config.retention_days)
            await asyncio.sleep(PRUNE_SECONDS)

    async def _start_forum(self) -> None:
        settings = self.config.discourse
        assert settings is not None and self.hub is not None and self.store is not None
        client = DiscourseClient(settings.url, settings.api_key, settings.api_username)
        self._closing.push_async_callback(client.aclose)
        assert self.leases is not None and self.revocations is not None
        forum = Forum(client, self.hub, self.store, settings, self.leases, self.revocations)
        try:
            await forum.start()
        except DiscourseRefused as exc:
            raise StartupError(f"Discourse at {settings.url} refused DISCOURSE_API_KEY / DISCOURSE_API_USERNAME="
                               f"{settings.api_username!r} (HTTP {exc.status}): check the key and that the user "
                               "exists") from None
        except DiscourseUnavailable as exc:
            raise StartupError(f"cannot reach Discourse at DISCOURSE_URL={settings.url}: {exc}") from None
        self.forum = forum
        self._closing.push_async_callback(forum.close)
        # With webhooks too: Discourse does not retry a failed delivery by default, so posts made while the bot
        # was down (or whose delivery failed) are read from /posts.json at start and now and then; claims keep
        # a post that both paths bring answered once.
        interval = settings.poll_seconds if settings.webhook_secret is None else settings.catchup_seconds
        self.poller = Poller(forum, interval)
        self._poll_task = asyncio.create_task(self.poller.run(), name="spacedoc-discourse-poller")
        self._closing.push_async_callback(self._stop_polling)

    async def _stop_polling(self) -> None:
        """At once, even mid-poll or while a 429 holds it back: every post it handled is claimed and noted."""
        assert self._poll_task is not None
        self._poll_task.cancel()
        await asyncio.gather(self._poll_task, return_exceptions=True)

    async def _start_http(self) -> None:
        assert self.config.http_port is not None
        http = HttpServer(self.config.http_port, host=self.http_host)
        http.add_check("discord", self._discord_health, critical=True)
        http.add_check("store", self._store_health, critical=True)
        if self.forum is not None:
            http.add_check("discourse", self._discourse_health)
            secret = self.config.discourse.webhook_secret if self.config.discourse else None
            if secret is not None:
                http.add_route("POST", WEBHOOK_PATH, WebhookReceiver(self.forum, secret).handle)
        try:
            await http.start()
        except OSError as exc:
            raise StartupError(f"cannot listen on SPACEDOC_HTTP_PORT={self.config.http_port}: "
                               f"{exc.strerror or exc}") from None
        self.http = http
        self._closing.push_async_callback(http.close)

    async def _discord_health(self) -> str:
        if self.config.token is None:
            return "off"
        if self.bot is None:  # the HTTP server starts first
            return "disconnected"
        state = self.bot.connection()
        if self.bot.disconnected_for() > self.discord_grace:
            raise Unhealthy(state)
        return state

    async def _store_health(self) -> str:
        assert self.store is not None
        await self.store.get_meta("healthz")
        return "ok"

    async def _discourse_health(self) -> str:
        assert self.forum is not None
        return self.forum.health()

    def stop(self) -> None:
        """Ends `wait()` (a signal handler may call it)."""
        self._stop.set()

    async def wait(self) -> None:
        stopping = asyncio.create_task(self._stop.wait())
        waits = {stopping} | ({self.bot_task} if self.bot_task is not None else set())
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if self.bot_task is not None and self.bot_task.done():
            self.bot_task.result()  # a Discord failure (bad token, missing intent) ends the process with its cause

    async def close(self) -> None:
        await self._closing.aclose()
        if self.bot_task is not None:
            await asyncio.wait({self.bot_task})  # bot.close() ends it; a failure was already raised by wait()
