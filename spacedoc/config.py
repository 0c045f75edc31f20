"""The bot's configuration, read only from environment variables (a `.env` file may supply them).

Names are a public contract (external checks start `python bot.py` with them): DISCORD_TOKEN, HF_ENDPOINT,
SPACEDOC_STATUS_URL, SPACEDOC_DB, LOG_LEVEL, DISCORD_API_BASE, DISCORD_GATEWAY_URL, SPACEDOC_DEV_GUILD.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_DB = "spacedoc.sqlite3"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line meant for the person starting the bot."""


@dataclass(frozen=True, slots=True)
class Config:
    token: str
    hf_endpoint: str | None = None  # None: huggingface_hub's default (the public Hub)
    status_url: str | None = None  # None: Hugging Face's own status page
    db_path: str = DEFAULT_DB
    log_level: str = "INFO"
    api_base: str | None = None  # None: discord.com
    gateway_url: str | None = None  # None: Discord's gateway
    dev_guild: int | None = None  # commands are synced to this guild only (instant), else globally

    def __repr__(self) -> str:  # never print the token, even in a debugger or a crash report
        return f"Config(token=<{len(self.token)} chars>, api_base={self.api_base!r}, db_path={self.db_path!r})"


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, got {value!r}")
    return value


def load(env: Mapping[str, str]) -> Config:
    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in it "
                          "(or run `python bot.py --demo` to try the bot offline)")
    if any(c.isspace() for c in token):
        raise ConfigError("DISCORD_TOKEN is malformed: it contains whitespace")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")
    dev_guild_raw = env.get("SPACEDOC_DEV_GUILD", "").strip()
    if dev_guild_raw and not dev_guild_raw.isdigit():
        raise ConfigError(f"SPACEDOC_DEV_GUILD must be a server id (digits), got {dev_guild_raw!r}")
    return Config(
        token=token,
        hf_endpoint=_url(env, "HF_ENDPOINT", ("http", "https")),
        status_url=_url(env, "SPACEDOC_STATUS_URL", ("http", "https")),
        db_path=env.get("SPACEDOC_DB", "").strip() or DEFAULT_DB,
        log_level=log_level,
        api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
        gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
        dev_guild=int(dev_guild_raw) if dev_guild_raw else None,
    )
