"""The real bot, running against the sandbox Discord and the sandbox Hub (and, if given, the sandbox Discourse),
for tests, benchmarks and the demo.

    async with BotHarness(db_path) as h:
        alice = h.discord.add_user("alice")
        reply = await h.ask(h.discord.help_channel, alice, f"<@{h.discord.bot_user_id}> my Space …")
        await h.idle()             # everything sent to the bot is handled: what it did not send, it will not send
        await h.restart()          # same DB, new process state: settings and answered threads survive

The bot is built and started exactly as `python bot.py` does (`spacedoc.service.Service`), only with a short
`guild_ready_timeout` and its HTTP server (present with a forum: the webhook) on a free loopback port.
`check_clean()` is what the test fixtures assert after every test: no ERROR log record, no request the sandboxes
could not route, no secret in any request body the bot sent.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from diagnosis.redact import redact
from forum.webhook import PATH as WEBHOOK_PATH
from sandbox.discord_server import DiscordSandbox
from sandbox.discourse import SandboxDiscourse
from sandbox.hub import SandboxHub
from spacedoc.config import Config, DiscourseConfig
from spacedoc.service import Service

READY_TIMEOUT = 10.0


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class BotHarness:
    def __init__(
        self,
        db_path: str,
        *,
        discord: DiscordSandbox | None = None,
        hub: SandboxHub | None = None,
        forum: SandboxDiscourse | None = None,
        forum_categories: frozenset[int] = frozenset({24}),
        dev_guild: bool = True,
        guild_ready_timeout: float = 0.01,
    ) -> None:
        self.discord = discord or DiscordSandbox()
        self.hub = hub or SandboxHub()
        self.forum = forum
        self.forum_categories = forum_categories
        self.db_path = db_path
        self.dev_guild = dev_guild
        self.guild_ready_timeout = guild_ready_timeout
        self.config_changes: dict[str, Any] = {}  # Config fields a test sets (e.g. lease_seconds, revoke_minutes)
        self.service: Service | None = None
        self.bot: Any = None  # spacedoc.discord_bot.SpaceDoctor while running
        self._errors = _ErrorRecords()
        self._allowed_errors: list[re.Pattern[str]] = []

    # ---- lifecycle -------------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        return dataclasses.replace(self._config(), **self.config_changes)

    def _config(self) -> Config:
        return Config(
            token=self.discord.token,
            hf_endpoint=self.hub.endpoint,
            status_url=self.hub.status_url,
            db_path=self.db_path,
            log_level="INFO",
            api_base=self.discord.api_base,
            gateway_url=self.discord.gateway_url,
            dev_guild=self.discord.guild_id if self.dev_guild else None,
            http_port=0 if self.forum is not None else None,
            discourse=DiscourseConfig(
                url=self.forum.url, api_key=self.forum.api_key, api_username=self.forum.bot.username,
                categories=self.forum_categories, webhook_secret=self.forum.webhook_secret, poll_seconds=0.2,
            ) if self.forum is not None else None,
        )

    def env(self) -> dict[str, str]:
        """The same configuration as environment variables, for `python bot.py` in a subprocess."""
        config = self.config
        env = {
            "DISCORD_TOKEN": config.token, "HF_ENDPOINT": config.hf_endpoint or "",
            "SPACEDOC_STATUS_URL": config.status_url or "", "SPACEDOC_DB": config.db_path,
            "LOG_LEVEL": config.log_level, "DISCORD_API_BASE": config.api_base or "",
            "DISCORD_GATEWAY_URL": config.gateway_url or "",
        }
        if config.dev_guild:
            env["SPACEDOC_DEV_GUILD"] = str(config.dev_guild)
        return env

    async def start(self) -> BotHarness:
        if not self.discord.port:
            await self.discord.start()
        if not self.hub.port:
            await self.hub.start()
        if self.forum is not None and not self.forum.port:
            await self.forum.start()
        from diagnosis.redact_logging import install_log_redaction  # as `python bot.py` does at startup

        logging.getLogger().addHandler(self._errors)
        install_log_redaction()
        await self.start_bot()
        return self

    async def start_bot(self, config: Config | None = None) -> None:
        self.service = Service(config or self.config, http_host="127.0.0.1",
                               guild_ready_timeout=self.guild_ready_timeout)
        try:
            await self.service.start()
        except BaseException:
            await self.service.close()
            raise
        if self.forum is not None and self.service.http is not None:
            self.forum.webhook_url = f"http://127.0.0.1:{self.service.http.port}{WEBHOOK_PATH}"
        self.bot = self.service.bot
        task = self.service.bot_task
        assert self.bot is not None and task is not None
        ready = asyncio.create_task(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # re-raises why the bot died
            raise TimeoutError(f"the bot was not ready within {READY_TIMEOUT} s")

    async def stop_bot(self) -> None:
        if self.service is not None:
            await self.service.close()
            if self.service.bot_task is not None:
                self.service.bot_task.result()  # a crash inside the bot surfaces here
        self.service, self.bot = None, None

    async def restart(self) -> None:
        """Stops the bot and starts a new one on the same database (what a deploy or a crash does)."""
        await self.stop_bot()
        await self.start_bot()

    async def close(self) -> None:
        try:
            await self.stop_bot()
        finally:
            logging.getLogger().removeHandler(self._errors)
            await self.hub.close()
            await self.discord.close()
            if self.forum is not None:
                await self.forum.close()

    async def __aenter__(self) -> BotHarness:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- arranging the server ---------------------------------------------------------------------

    async def configure(self, **changes: object) -> None:
        """Changes the sandbox guild's settings in the bot's store (what `/spacedoc …` would do)."""
        store = self.bot.store
        current = await store.get_guild_settings(self.discord.guild_id)
        await store.save_guild_settings(dataclasses.replace(current, **changes))

    def use_policy(self, **changes: object) -> None:
        """Changes the running help desk's auto-reply policy (cooldowns, caps); a restart resets it."""
        cog = self.bot.get_cog("HelpDesk")
        cog.policy = dataclasses.replace(cog.policy, **changes)

    # ---- acting as people ------------------------------------------------------------------------

    def mention(self) -> str:
        return f"<@{self.discord.bot_user_id}>"

    async def ask(self, channel_id: int, author: Mapping[str, Any], content: str, *, timeout: float = 5.0) -> dict:
        """Posts `content` and returns the bot's first message after it in the same channel."""
        posted = await self.discord.post(channel_id, dict(author), content)
        return await self.discord.wait_for_bot_message(channel_id, after=int(posted["id"]), timeout=timeout)

    # ---- waiting for the bot -----------------------------------------------------------------------

    async def idle(self, timeout: float = 10.0) -> None:
        """Returns once the bot has handled everything sent to it: every gateway event read (`DiscordSandbox.sync`)
        and every webhook delivered, and no work in progress (spacedoc.metrics.WorkInProgress: an event's handlers
        count from the moment the event is read). Then whatever the bot has not sent, it will not send on its own
        (apart from work it schedules for later: a lease that expires, a revocation retried): assert silence after
        this, never after a pause."""
        async def handled() -> None:
            while True:
                dispatched = self.discord.dispatched
                await self.discord.sync()
                if self.forum is not None and not self.forum.holding_webhooks:
                    await self.forum.deliveries_done()
                await self.discord.wait_for(lambda: self.service is None or self.service.work.count == 0)
                if self.discord.dispatched == dispatched:  # (the bot's own messages come back as events)
                    return
        await asyncio.wait_for(handled(), timeout)

    # ---- what the test fixtures assert -----------------------------------------------------------

    def allow_errors(self, pattern: str) -> None:
        """ERROR records matching `pattern` are expected by this test (e.g. a handler made to fail)."""
        self._allowed_errors.append(re.compile(pattern))

    @property
    def logged_errors(self) -> list[logging.LogRecord]:
        """Every ERROR record since the harness started, expected or not."""
        return list(self._errors.records)

    @property
    def errors(self) -> list[logging.LogRecord]:
        """The ERROR records no `allow_errors` pattern explains."""
        return [r for r in self._errors.records
                if not any(p.search(r.getMessage()) for p in self._allowed_errors)]

    def secrets_sent(self) -> list[str]:
        """`METHOD path: kinds` for every recorded request whose body holds a secret."""
        out = []
        for request in [*self.discord.requests, *(self.forum.requests if self.forum is not None else [])]:
            findings = redact(request.text()).findings
            if findings:
                out.append(f"{request.method} {request.path}: {sorted({f.kind for f in findings})}")
        return out

    def check_clean(self) -> None:
        problems: list[str] = []
        problems += [f"ERROR log: {r.name}: {r.getMessage()}" for r in self.errors]
        problems += [f"unhandled route: {r.method} {r.path}" for r in self.discord.unhandled]
        if self.forum is not None:
            problems += [f"unhandled forum route: {r.method} {r.path}" for r in self.forum.unhandled]
        problems += [f"secret sent: {s}" for s in self.secrets_sent()]
        if problems:
            raise AssertionError("the bot misbehaved:\n  " + "\n  ".join(problems))


def all_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """Everything a person can read in these messages: content and every embed string."""
    parts: list[str] = []
    for message in messages:
        parts.append(message.get("content") or "")
        for embed in message.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields") or []]
            parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)
