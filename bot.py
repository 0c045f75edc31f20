"""Space Doctor, the Discord bot: `python bot.py` (configured by environment variables) or `python bot.py --demo`.

Configuration: DISCORD_TOKEN, HF_ENDPOINT, SPACEDOC_STATUS_URL, SPACEDOC_DB, LOG_LEVEL, DISCORD_API_BASE,
DISCORD_GATEWAY_URL, SPACEDOC_DEV_GUILD (see spacedoc/config.py); a `.env` file next to it is read too.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import pkgutil
import signal
import sqlite3
import sys

import aiohttp
import discord
import yarl
from discord.ext import commands

import cogs

from diagnosis.hub import HubClient
from diagnosis.redact_logging import install_log_redaction
from spacedoc import config as configuration
from spacedoc import egress
from spacedoc.config import Config, ConfigError
from spacedoc.store import Store, StoreUnavailable, open_store

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
    hub: HubClient
    store: Store

    def __init__(self, config: Config, *, guild_ready_timeout: float = 2.0) -> None:
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

    async def setup_hook(self) -> None:
        self.hub = HubClient(endpoint=self.config.hf_endpoint, status_url=self.config.status_url)
        self.store = await open_store(self.config.db_path, lease_seconds=self.config.lease_seconds)
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

    async def close(self) -> None:
        await super().close()
        if hasattr(self, "hub"):
            await self.hub.aclose()
        if hasattr(self, "store"):
            await self.store.close()


async def run(config: Config) -> None:
    point_at_discord(config)
    async with SpaceDoctor(config) as bot:
        # A platform stopping the worker (SIGTERM) gets a clean logout and a closed database.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
        await bot.start(config.token)


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    install_log_redaction()


def _fail(message: str) -> int:
    print(f"bot.py: error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Space Doctor, a Discord bot that diagnoses broken HF Spaces.")
    parser.add_argument("--demo", action="store_true",
                        help="offline demo: a sandbox Discord and Hub on loopback, a scripted conversation")
    args = parser.parse_args(argv)
    if args.demo:
        from spacedoc.demo import main as demo_main
        return demo_main()

    from dotenv import load_dotenv
    load_dotenv()  # never overrides variables that are already set
    try:
        config = configuration.load(os.environ)
    except ConfigError as exc:
        return _fail(str(exc))
    setup_logging(config.log_level)
    try:
        asyncio.run(run(config))
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (401 Unauthorized): check or reset the bot token")
    except discord.PrivilegedIntentsRequired:
        return _fail("the Message Content intent is not enabled for this bot: turn it on in the Discord "
                     "developer portal (Bot → Privileged Gateway Intents)")
    except sqlite3.Error as exc:
        return _fail(f"cannot open the database SPACEDOC_DB={config.db_path!r}: {exc}")
    except StoreUnavailable as exc:  # its message names the database without its password
        return _fail(str(exc))
    except (aiohttp.ClientConnectionError, OSError) as exc:
        return _fail(f"cannot reach Discord at {config.api_base or 'discord.com'}: {exc}")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
