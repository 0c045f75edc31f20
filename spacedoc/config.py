"""The bot's configuration, read only from environment variables (a `.env` file may supply them).

Names are a public contract (external checks start `python bot.py` with them): DISCORD_TOKEN, HF_ENDPOINT,
SPACEDOC_STATUS_URL, SPACEDOC_DB, LOG_LEVEL, DISCORD_API_BASE, DISCORD_GATEWAY_URL, SPACEDOC_DEV_GUILD,
SPACEDOC_LEASE_SECONDS, SPACEDOC_RETENTION_DAYS.

SPACEDOC_DB is a SQLite file path (or `sqlite:///path`), or `postgresql://user:password@host/db` for a PostgreSQL
store shared by several processes.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from diagnosis.redact import redact
from spacedoc.store import DEFAULT_LEASE_SECONDS, backend

DEFAULT_DB = "spacedoc.sqlite3"
DEFAULT_RETENTION_DAYS = 30.0


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
    lease_seconds: float = DEFAULT_LEASE_SECONDS  # how long a claimed piece of work stays with a silent process
    retention_days: float = DEFAULT_RETENTION_DAYS  # answered claims, diagnoses, verdicts and votes are kept this long

    def __repr__(self) -> str:  # never print the token (nor a database password), even in a crash report
        return (f"Config(token=<{len(self.token)} chars>, api_base={self.api_base!r}, "
                f"db_path={redact(self.db_path).text!r})")


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, got {value!r}")
    return value


def _db(env: Mapping[str, str]) -> str:
    value = env.get("SPACEDOC_DB", "").strip() or DEFAULT_DB
    try:
        backend(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:  # nan fails this too
        raise ConfigError(f"{name} must be a positive number, got {raw!r}")
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
        db_path=_db(env),
        log_level=log_level,
        api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
        gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
        dev_guild=int(dev_guild_raw) if dev_guild_raw else None,
        lease_seconds=_positive(env, "SPACEDOC_LEASE_SECONDS", DEFAULT_LEASE_SECONDS),
        retention_days=_positive(env, "SPACEDOC_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
    )
