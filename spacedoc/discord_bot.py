"""The Discord side of the bot process: a discord.py `commands.Bot` that loads every cog in `cogs/`.

It borrows the process's Hub client and store (spacedoc.service opens and closes them), so that Discord and the
Discourse forum share one store and one Hub client when both run.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pkgutil

import discord
import yarl
from discord.ext import commands

import cogs
from diagnosis.hub import HubClient
from spacedoc import egress
from spacedoc.config import Config
from spacedoc.store import Store

log = logging.getLogger("spacedoc.bot")


def extensions() -> list[str]:
    """Every module in `cogs/` is an extension (each defines `async def setup(bot)`)."""
    return [f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_")]


def point_at_discord(config: Config) -> None:
    """Another Discord-compatible server (the sandbox, a self-hosted one) instead of discord.com.

    discord.py reads both as class attributes when it builds a request or opens the gateway."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base.rstrip("/")
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def intents() -> discord.Intents:
    """Only what the bot uses: guilds (channels, threads), guild messages and their content."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.message_content = True
    return chosen


class SpaceDoctor(commands.Bot):
    def __init__(self, config: Config, hub: HubClient, store: Store, *, guild_ready_timeout: float = 2.0) -> None:
        # No voice features: skip discord.py's warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; the bot has slash commands only
            intents=intents(),
            allowed_mentions=egress.ALLOWED_MENTIONS,
            help_command=None,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.config = config
        self.hub = hub
        self.store = store

    async def setup_hook(self) -> None:
        for extension in extensions():
            await self.load_extension(extension)
        await self.sync_commands()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: the cogs listen to messages themselves."""

    async def sync_commands(self) -> None:
        """Syncs the command tree to the dev guild (instant) or globally, only when it changed since the last
        sync: Discord rate-limits command uploads, and a restart loop must not burn through them."""
        guild = discord.Object(self.config.dev_guild) if self.config.dev_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
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
        log.info("logged in as %s (%s) in %d servers", self.user, self.user.id if self.user else "?", len(self.guilds))

    def connection(self) -> str:
        """For the health check: "connected" while the gateway socket is open (events flow before READY has
        gathered every guild), else "disconnected"."""
        return "connected" if not self.is_closed() and self.ws is not None and self.ws.open else "disconnected"
