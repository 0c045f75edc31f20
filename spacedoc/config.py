"""The bot's configuration, read only from environment variables (a `.env` file may supply them).

Names are a public contract (external checks start `python bot.py` with them): DISCORD_TOKEN, HF_ENDPOINT,
SPACEDOC_STATUS_URL, SPACEDOC_DB, LOG_LEVEL, LOG_FORMAT, DISCORD_API_BASE, DISCORD_GATEWAY_URL, SPACEDOC_DEV_GUILD,
SPACEDOC_HTTP_PORT, DISCOURSE_URL, DISCOURSE_API_KEY, DISCOURSE_API_USERNAME, DISCOURSE_CATEGORIES,
DISCOURSE_WEBHOOK_SECRET, DISCOURSE_POLL_SECONDS, DISCOURSE_CATCHUP_SECONDS, DISCOURSE_HELPER_GROUPS,
SPACEDOC_LEASE_SECONDS, SPACEDOC_RETENTION_DAYS, SPACEDOC_REVOKE_MINUTES, DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS.
`VARIABLES` lists each with its default and meaning (what `python bot.py --help` prints); `load` can read no
variable that is not listed there.

Discord runs when DISCORD_TOKEN is set, the Discourse adapter when DISCOURSE_URL is set; at least one of them.

SPACEDOC_DB is a SQLite file path (or `sqlite:///path`), or `postgresql://user:password@host/db` for a PostgreSQL
store shared by several processes. DISCORD_SHARD_COUNT with DISCORD_SHARD_IDS (a comma list) runs a subset of the
bot's shards in this process; unset, discord.py asks Discord how many shards to run and runs them all.
"""
from __future__ import annotations

import logging
import math
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from diagnosis.hub import DEFAULT_STATUS_URL
from diagnosis.redact import redact
from spacedoc.revocations import DEFAULT_GIVE_UP_MINUTES
from spacedoc.store import DEFAULT_LEASE_SECONDS, backend

DEFAULT_DB = "spacedoc.sqlite3"
DEFAULT_POLL_SECONDS = 30.0
DEFAULT_CATCHUP_SECONDS = 300.0
MIN_WEBHOOK_SECRET = 12  # Discourse refuses shorter webhook secrets
DEFAULT_RETENTION_DAYS = 30.0
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str  # as people read it in --help
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("DISCORD_TOKEN", "unset: no Discord", "the bot token; Discord runs only when it is set (it or "
             "DISCOURSE_URL is required)"),
    Variable("HF_ENDPOINT", "https://huggingface.co", "the Hub to query"),
    Variable("SPACEDOC_STATUS_URL", DEFAULT_STATUS_URL,
             "the status page's JSON (Better Stack index.json)"),
    Variable("SPACEDOC_DB", DEFAULT_DB, "the store: a SQLite file path (or sqlite:///path) for one process, or "
             "postgresql://user:password@host/db for several"),
    Variable("SPACEDOC_HTTP_PORT", "unset: no HTTP server", "the bot's HTTP server: GET /healthz, GET /metrics "
             "and the Discourse webhook"),
    Variable("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Variable("LOG_FORMAT", LOG_FORMATS[0], "text, or json: one JSON object per line (time, level, logger, "
             "message, guild/channel/topic ids)"),
    Variable("DISCORD_API_BASE", "https://discord.com/api/v10",
             "a Discord-compatible REST API other than discord.com"),
    Variable("DISCORD_GATEWAY_URL", "Discord's gateway", "a Discord-compatible gateway (ws:// or wss://)"),
    Variable("SPACEDOC_DEV_GUILD", "unset: global commands",
             "a server id: sync the commands to this server only (instant)"),
    Variable("DISCOURSE_URL", "unset: no Discourse", "the forum, e.g. https://discuss.huggingface.co"),
    Variable("DISCOURSE_API_KEY", "required with DISCOURSE_URL", "the forum API key (sent as Api-Key)"),
    Variable("DISCOURSE_API_USERNAME", "required with DISCOURSE_URL", "the account the key acts as"),
    Variable("DISCOURSE_CATEGORIES", "none", "comma-separated category ids answered automatically, e.g. 24"),
    Variable("DISCOURSE_WEBHOOK_SECRET", "unset: polling", "receive signed webhooks on POST /discourse/webhook "
             f"(at least {MIN_WEBHOOK_SECRET} characters; needs SPACEDOC_HTTP_PORT)"),
    Variable("DISCOURSE_POLL_SECONDS", f"{DEFAULT_POLL_SECONDS:g}", "seconds between two reads of /posts.json"),
    Variable("DISCOURSE_CATCHUP_SECONDS", f"{DEFAULT_CATCHUP_SECONDS:g}", "with webhooks: seconds between two reads "
             "of /posts.json for posts no delivery brought (also read at every start)"),
    Variable("DISCOURSE_HELPER_GROUPS", "none", "comma-separated groups whose members' answers silence the bot"),
    Variable("SPACEDOC_LEASE_SECONDS", f"{DEFAULT_LEASE_SECONDS:g}",
             "how long claimed work stays with a process that stopped answering"),
    Variable("SPACEDOC_RETENTION_DAYS", f"{DEFAULT_RETENTION_DAYS:g}",
             "answered claims, diagnoses, verdicts and votes are kept this long"),
    Variable("SPACEDOC_REVOKE_MINUTES", f"{DEFAULT_GIVE_UP_MINUTES:g}",
             "how long a leaked Hugging Face token's revocation is retried before its author is told to revoke it"),
    Variable("DISCORD_SHARD_COUNT", "unset: as many as Discord recommends", "the bot's total number of shards"),
    Variable("DISCORD_SHARD_IDS", "unset: every shard", "comma-separated shard numbers this process runs "
             "(needs DISCORD_SHARD_COUNT)"),
)


def describe(width: int = 96) -> str:
    """Every variable with its default and meaning, for `python bot.py --help`."""
    lines = []
    for variable in VARIABLES:
        lines.append(f"  {variable.name}  (default: {variable.default})")
        lines += textwrap.wrap(variable.meaning, width, initial_indent=" " * 6, subsequent_indent=" " * 6)
    return "\n".join(lines)


class _Declared(Mapping[str, str]):
    """The environment as `load` sees it: reading a variable missing from VARIABLES is a programming error, so
    that `--help` always lists every variable the bot reads."""

    _names = frozenset(v.name for v in VARIABLES)

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def __getitem__(self, name: str) -> str:
        if name not in self._names:
            raise RuntimeError(f"{name} is read but not declared in spacedoc.config.VARIABLES")
        return self._env[name]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._env if name in self._names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class ConfigError(ValueError):
    """A setting is missing or malformed; the message is one line meant for the person starting the bot."""


@dataclass(frozen=True, slots=True)
class DiscourseConfig:
    url: str  # the forum's base URL, no trailing slash
    api_key: str
    api_username: str  # the account the bot acts as (and the name people mention)
    categories: frozenset[int] = frozenset()  # answered automatically
    webhook_secret: str | None = None  # set: webhooks; None: polling
    poll_seconds: float = DEFAULT_POLL_SECONDS
    catchup_seconds: float = DEFAULT_CATCHUP_SECONDS  # webhooks: how often to look for posts no delivery brought
    helper_groups: tuple[str, ...] = ()  # a member's answer silences the bot like a staff answer

    def __repr__(self) -> str:  # never print the key or the secret
        return (f"DiscourseConfig(url={self.url!r}, api_username={self.api_username!r}, "
                f"categories={sorted(self.categories)}, webhook={self.webhook_secret is not None})")


@dataclass(frozen=True, slots=True)
class Config:
    token: str | None = None  # Discord's bot token; None: no Discord
    hf_endpoint: str | None = None  # None: huggingface_hub's default (the public Hub)
    status_url: str | None = None  # None: Hugging Face's own status page
    db_path: str = DEFAULT_DB
    log_level: str = "INFO"
    log_format: str = LOG_FORMATS[0]  # "text" or "json"
    api_base: str | None = None  # None: discord.com
    gateway_url: str | None = None  # None: Discord's gateway
    dev_guild: int | None = None  # commands are synced to this guild only (instant), else globally
    http_port: int | None = None  # the bot's HTTP server (webhook, health); None: no server
    discourse: DiscourseConfig | None = None  # None: no Discourse
    lease_seconds: float = DEFAULT_LEASE_SECONDS  # how long a claimed piece of work stays with a silent process
    retention_days: float = DEFAULT_RETENTION_DAYS  # answered claims, diagnoses, verdicts and votes are kept this long
    revoke_minutes: float = DEFAULT_GIVE_UP_MINUTES  # a leaked token's revocation is retried this long
    shard_count: int | None = None  # None: as many shards as Discord recommends
    shard_ids: tuple[int, ...] | None = None  # None: every shard of shard_count

    def __repr__(self) -> str:  # never print the token (nor a database password), even in a crash report
        token = f"<{len(self.token)} chars>" if self.token else None
        return (f"Config(token={token}, api_base={self.api_base!r}, db_path={redact(self.db_path).text!r}, "
                f"http_port={self.http_port}, discourse={self.discourse!r})")


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, got {value!r}")
    return value


def _single_word(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if any(c.isspace() for c in value):
        raise ConfigError(f"{name} is malformed: it contains whitespace")
    return value


def _http_port(env: Mapping[str, str]) -> int | None:
    raw = env.get("SPACEDOC_HTTP_PORT", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"SPACEDOC_HTTP_PORT must be a port number (1-65535), got {raw!r}")
    return int(raw)


def _discourse(env: Mapping[str, str], http_port: int | None) -> DiscourseConfig | None:
    url = _url(env, "DISCOURSE_URL", ("http", "https"))
    if url is None:
        return None
    api_key = _single_word(env, "DISCOURSE_API_KEY")
    api_username = _single_word(env, "DISCOURSE_API_USERNAME")
    for name, value in (("DISCOURSE_API_KEY", api_key), ("DISCOURSE_API_USERNAME", api_username)):
        if not value:
            raise ConfigError(f"{name} is not set: DISCOURSE_URL needs an API key and the username it acts as "
                              "(Admin → API → Keys on the forum)")
    categories = [c.strip() for c in env.get("DISCOURSE_CATEGORIES", "").split(",") if c.strip()]
    if not all(c.isdigit() for c in categories):
        raise ConfigError("DISCOURSE_CATEGORIES must be category ids separated by commas (e.g. 24 for /c/spaces/24),"
                          f" got {env.get('DISCOURSE_CATEGORIES')!r}")
    secret = env.get("DISCOURSE_WEBHOOK_SECRET", "").strip() or None
    if secret is not None and len(secret) < MIN_WEBHOOK_SECRET:
        raise ConfigError(f"DISCOURSE_WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET} characters "
                          "(Discourse refuses shorter ones)")
    if secret is not None and http_port is None:
        raise ConfigError("DISCOURSE_WEBHOOK_SECRET needs SPACEDOC_HTTP_PORT: webhooks arrive on the bot's HTTP "
                          "server (POST /discourse/webhook)")
    poll_seconds = _positive(env, "DISCOURSE_POLL_SECONDS", DEFAULT_POLL_SECONDS)
    catchup_seconds = _positive(env, "DISCOURSE_CATCHUP_SECONDS", DEFAULT_CATCHUP_SECONDS)
    groups = tuple(g.strip() for g in env.get("DISCOURSE_HELPER_GROUPS", "").split(",") if g.strip())
    return DiscourseConfig(
        url=url.rstrip("/"), api_key=api_key, api_username=api_username,
        categories=frozenset(int(c) for c in categories), webhook_secret=secret, poll_seconds=poll_seconds,
        catchup_seconds=catchup_seconds, helper_groups=groups,
    )


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


def _shards(env: Mapping[str, str]) -> tuple[int | None, tuple[int, ...] | None]:
    count_raw = env.get("DISCORD_SHARD_COUNT", "").strip()
    ids_raw = env.get("DISCORD_SHARD_IDS", "").strip()
    if count_raw and not (count_raw.isdigit() and int(count_raw) > 0):
        raise ConfigError(f"DISCORD_SHARD_COUNT must be a positive whole number, got {count_raw!r}")
    count = int(count_raw) if count_raw else None
    if not ids_raw:
        return count, None
    if count is None:
        raise ConfigError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT: the ids are shards of that many")
    ids = [part.strip() for part in ids_raw.split(",")]
    if not all(part.isdigit() and int(part) < count for part in ids):
        raise ConfigError(f"DISCORD_SHARD_IDS must be shard numbers from 0 to {count - 1} separated by commas, "
                          f"got {ids_raw!r}")
    return count, tuple(sorted({int(part) for part in ids}))


def load(environ: Mapping[str, str]) -> Config:
    env = _Declared(environ)
    token = _single_word(env, "DISCORD_TOKEN") or None
    http_port = _http_port(env)
    discourse = _discourse(env, http_port)
    if token is None and discourse is None:
        raise ConfigError("neither DISCORD_TOKEN nor DISCOURSE_URL is set: put the bot token from the Discord "
                          "developer portal in DISCORD_TOKEN and/or a forum in DISCOURSE_URL "
                          "(or run `python bot.py --demo` to try the bot offline)")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if not isinstance(logging.getLevelName(log_level), int):
        raise ConfigError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")
    shard_count, shard_ids = _shards(env)
    log_format = env.get("LOG_FORMAT", "").strip().lower() or LOG_FORMATS[0]
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be {' or '.join(LOG_FORMATS)}, got {log_format!r}")
    dev_guild_raw = env.get("SPACEDOC_DEV_GUILD", "").strip()
    if dev_guild_raw and not dev_guild_raw.isdigit():
        raise ConfigError(f"SPACEDOC_DEV_GUILD must be a server id (digits), got {dev_guild_raw!r}")
    return Config(
        token=token,
        hf_endpoint=_url(env, "HF_ENDPOINT", ("http", "https")),
        status_url=_url(env, "SPACEDOC_STATUS_URL", ("http", "https")),
        db_path=_db(env),
        log_level=log_level,
        log_format=log_format,
        api_base=_url(env, "DISCORD_API_BASE", ("http", "https")),
        gateway_url=_url(env, "DISCORD_GATEWAY_URL", ("ws", "wss")),
        dev_guild=int(dev_guild_raw) if dev_guild_raw else None,
        http_port=http_port,
        discourse=discourse,
        lease_seconds=_positive(env, "SPACEDOC_LEASE_SECONDS", DEFAULT_LEASE_SECONDS),
        retention_days=_positive(env, "SPACEDOC_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
        revoke_minutes=_positive(env, "SPACEDOC_REVOKE_MINUTES", DEFAULT_GIVE_UP_MINUTES),
        shard_count=shard_count,
        shard_ids=shard_ids,
    )
