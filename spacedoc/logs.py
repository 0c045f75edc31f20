"""The process's logging: plain text, or one JSON object per line (`LOG_FORMAT=json`), always redacted.

    setup("INFO", "json")                      # once, at start (bot.py)
    with context(topic_id=123):                # what each record written inside names
        log.info("answered")                   # {"time": …, "level": "INFO", "logger": …, "message": "answered",
                                               #  "topic_id": "123"}

The ids live in a context variable, so they follow the work: an asyncio task copies the context it was created
in, which is how Discord's event handlers (each run in its own task) inherit the ids of the event that started
them (`spacedoc.discord_bot`). Ids are written as strings, as Discord sends them: a snowflake does not fit in a
JSON consumer's double. Redaction is the same filter in both formats (`diagnosis.redact_logging`), applied to the
message and the traceback before any formatter sees them.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO

from diagnosis.redact_logging import install_log_redaction

__all__ = ["IDS", "JsonFormatter", "bind", "context", "setup"]

IDS = ("guild_id", "channel_id", "topic_id", "post_id")  # what a record may name, in this order
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_ids: contextvars.ContextVar[Mapping[str, int]] = contextvars.ContextVar(
    "spacedoc_log_ids", default=MappingProxyType({}))


def _known(ids: Mapping[str, int | None]) -> dict[str, int]:
    unknown = set(ids) - set(IDS)
    if unknown:
        raise ValueError(f"not a log id: {sorted(unknown)}")
    return {name: value for name, value in ids.items() if value is not None}


def bind(**ids: int | None) -> None:
    """Names these ids in every record written from here on in this task (and the tasks it starts)."""
    _ids.set({**_ids.get(), **_known(ids)})


@contextlib.contextmanager
def context(**ids: int | None) -> Iterator[None]:
    """Names these ids in every record written inside the block (and in tasks created inside it)."""
    token = _ids.set({**_ids.get(), **_known(ids)})
    try:
        yield
    finally:
        _ids.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ids = _ids.get()
        entry |= {name: str(ids[name]) for name in IDS if name in ids}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry)  # ASCII: a lone surrogate in a message cannot break the line


def setup(level: str, log_format: str = "text", stream: IO[str] | None = None) -> None:
    """Configures the root logger once for the process: one handler on stderr in the chosen format, redacted."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    install_log_redaction()
