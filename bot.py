"""Space Doctor, the bot: `python bot.py` (configured by environment variables) or `python bot.py --demo`.

It runs on Discord when DISCORD_TOKEN is set, on a Discourse forum when DISCOURSE_URL is set, or on both in one
process. Configuration: see spacedoc/config.py and the README; a `.env` file next to it is read too.
"""
from __future__ import annotations

import sys

# Before any import that needs 3.11: a clear message instead of an ImportError (ruff's py311 target must keep it).
if sys.version_info < (3, 11):  # noqa: UP036
    sys.exit(f"Space Doctor needs Python 3.11 or newer; this is Python {sys.version_info[0]}.{sys.version_info[1]}.")

import argparse
import asyncio
import os
import signal
import sqlite3

import aiohttp
import discord

from spacedoc import config as configuration
from spacedoc import logs
from spacedoc.config import Config, ConfigError
from spacedoc.service import Service, StartupError
from spacedoc.store import StoreUnavailable


async def run(config: Config) -> None:
    service = Service(config)
    # A platform stopping the worker (SIGTERM) or Ctrl-C gets a clean logout, the work in flight finished and a
    # closed database.
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, service.stop)
    try:
        await service.start()
        await service.wait()
    finally:
        await service.close()


def _fail(message: str) -> int:
    print(f"bot.py: error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Space Doctor, a Discord and Discourse bot that diagnoses broken Hugging Face Spaces.",
        epilog="environment variables (a .env file next to bot.py may set them too):\n" + configuration.describe(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true",
                        help="offline demo: a sandbox Discord, Discourse and Hub on loopback, a scripted conversation")
    args = parser.parse_args(argv)
    if args.demo:
        from sandbox.demo import main as demo_main  # the stand-ins are only ever imported here

        return demo_main()

    from dotenv import load_dotenv
    load_dotenv()  # never overrides variables that are already set
    try:
        config = configuration.load(os.environ)
    except ConfigError as exc:
        return _fail(str(exc))
    logs.setup(config.log_level, config.log_format)
    try:
        asyncio.run(run(config))
    except StartupError as exc:
        return _fail(str(exc))
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
        if config.token is None:  # the forum's and the HTTP server's failures are StartupErrors: this is no Discord one
            raise
        return _fail(f"cannot reach Discord at {config.api_base or 'discord.com'}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
