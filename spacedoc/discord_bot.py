"""The Discord side of the bot process: a discord.py `commands.AutoShardedBot` that loads every cog in `cogs/`.

It borrows the process's Hub client, store, leases and revocation queue (spacedoc.service opens and closes them), so
that Discord and the Discourse forum share them when both run. It runs the shards DISCORD_SHARD_COUNT and
DISCORD_SHARD_IDS name (several processes share a big bot's shards), or all the shards Discord recommends.

Log records written while handling an event name its guild and channel (spacedoc.logs): `dispatch` binds them
before discord.py creates the handlers' tasks, which copy that context; application commands bind them in the
command tree's check (buttons in their view's, spacedoc.views). Whatever fails in a command, a button or a listener
ends in spacedoc.discord_errors, which logs it and apologises.
"""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import pkgutil
import time
from collections.abc import Callable, Iterator
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

import cogs
from diagnosis import texts
from diagnosis.hub import HubClient
from spacedoc import discord_errors, egress, logs
from spacedoc.config import Config
from spacedoc.leases import Leases
from spacedoc.revocations import Revocations
from spacedoc.store import Store

log = logging.getLogger("spacedoc.bot")

# What the bot does on a server: read and answer (also in threads, with embeds), read a thread's history, and for
# the secret moderation delete messages and rename threads. The README's invite URL is built from it (tested).
REQUIRED_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True,
    read_message_history=True, manage_messages=True, manage_threads=True,
)
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(application_id, permissions=REQUIRED_PERMISSIONS, scopes=INVITE_SCOPES)


def event_ids(argument: Any) -> dict[str, int | None]:
    """The guild and channel an event's object belongs to (a thread is its own channel); {} for other events."""
    if isinstance(argument, discord.Thread):
        return {"guild_id": argument.guild.id, "channel_id": argument.id}
    if isinstance(argument, discord.Message):
        return {"guild_id": argument.guild.id if argument.guild else None, "channel_id": argument.channel.id}
    if isinstance(argument, (discord.Interaction, discord.RawMessageUpdateEvent)):
        return {"guild_id": argument.guild_id, "channel_id": argument.channel_id}
    return {}


def extensions() -> list[str]:
    """Every module in `cogs/` is an extension (each defines `async def setup(bot)`)."""
    return [f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_")]


@contextlib.contextmanager
def discord_at(api_base: str | None, gateway_url: str | None) -> Iterator[None]:
    """discord.py talks to another Discord-compatible server (the sandbox, a self-hosted one) instead of discord.com
    inside the block; None leaves that part as it is. The originals are back afterwards.

    discord.py reads both as class attributes when it builds a request or opens the gateway, so this holds for the
    whole process: the one place that changes them (the bot's service, tests, benchmarks)."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def intents() -> discord.Intents:
    """Only what the bot uses: guilds (channels, threads), guild messages and their content."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.message_content = True
    return chosen


class _CommandTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        logs.bind(**event_ids(interaction))  # the command runs in this task
        interaction.client.leases.work.current_task()  # type: ignore[attr-defined]
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await discord_errors.interaction_failed(interaction, error)


class CommandTranslator(app_commands.Translator):
    """Command and option descriptions in the user's Discord client language (worded in diagnosis.texts); names
    stay as people type them."""

    _DESCRIPTIONS = frozenset({app_commands.TranslationContextLocation.command_description,
                               app_commands.TranslationContextLocation.group_description,
                               app_commands.TranslationContextLocation.parameter_description})

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        if context.location not in self._DESCRIPTIONS:
            return None
        return texts.command_description(string.message, locale.value)


class SpaceDoctor(commands.AutoShardedBot):
    def __init__(self, config: Config, hub: HubClient, store: Store, leases: Leases, revocations: Revocations, *,
                 guild_ready_timeout: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        # No voice features: skip discord.py's warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; the bot has slash commands only
            intents=intents(),
            allowed_mentions=egress.ALLOWED_MENTIONS,
            help_command=None,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            shard_count=config.shard_count,
            shard_ids=list(config.shard_ids) if config.shard_ids is not None else None,
            tree_cls=_CommandTree,
        )
        self.config = config
        self.hub = hub
        self.store = store
        self.leases = leases
        self.revocations = revocations
        self._clock = clock
        self._down_since: float | None = clock()  # not connected yet

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        with logs.context(**(event_ids(args[-1]) if args else {})):  # an update's "after" is last
            super().dispatch(event_name, *args, **kwargs)

    def _schedule_event(self, coro: Any, event_name: str, /, *args: Any, **kwargs: Any) -> asyncio.Task[None]:
        # Each listener's task is work in progress until it ends (an application command's or a button's task
        # counts itself from its interaction check).
        task = super()._schedule_event(coro, event_name, *args, **kwargs)
        self.leases.work.task(task)
        return task

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CommandTranslator())
        for extension in extensions():
            await self.load_extension(extension)
        await self.sync_commands()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: the cogs listen to messages themselves."""

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """A listener failed (discord.py calls this inside its `except`)."""
        await discord_errors.event_failed(self, event_method, args)

    async def sync_commands(self) -> None:
        """Syncs the command tree to the dev guild (instant) or globally, only when it changed since the last
        sync: Discord rate-limits command uploads, and a restart loop must not burn through them."""
        guild = discord.Object(self.config.dev_guild) if self.config.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        assert translator is not None
        # the payload as Discord gets it, translations included: a new translation is a change to sync
        payload = [await command.get_translated_payload(self.tree, translator)
                   for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands:{self.application_id}:{guild.id if guild else 'global'}"
        if await self.store.get_meta(key) == digest:
            log.info("application commands unchanged; not syncing")
            return
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.HTTPException as exc:
            # The bot still answers mentions, auto-replies and buttons; the next start tries the sync again.
            log.warning("could not sync application commands (%s); slash commands may be out of date", exc)
            return
        await self.store.set_meta(key, digest)
        log.info("synced %d application commands %s", len(synced), f"to guild {guild.id}" if guild else "globally")

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s) in %d servers, shards %s of %s; invite it with %s", self.user,
                 self.user.id if self.user else "?", len(self.guilds), sorted(self.shards), self.shard_count,
                 invite_url(self.application_id or 0))
        self.leases.wake()  # work a dead process left can be redone now that channels are known

    # The gateway's state, for the health check: discord.py reconnects by itself, so a short gap is normal;
    # only a long one means the process needs help.

    async def on_connect(self) -> None:
        self._down_since = None

    async def on_resumed(self) -> None:
        self._down_since = None

    async def on_disconnect(self) -> None:
        if self._down_since is None:
            self._down_since = self._clock()

    def connection(self) -> str:
        """For the health check: "connected" while every shard's gateway socket is open (events flow before READY
        has gathered every guild), else "disconnected"."""
        shards = self.shards.values()
        return "connected" if not self.is_closed() and shards and not any(s.is_closed() for s in shards) \
            else "disconnected"

    def disconnected_for(self) -> float:
        """Seconds since the gateway was lost (since start, before the first connection); 0 while connected."""
        if self.connection() == "connected":
            return 0.0
        if self._down_since is None:  # closed without a disconnect event
            self._down_since = self._clock()
        return self._clock() - self._down_since
