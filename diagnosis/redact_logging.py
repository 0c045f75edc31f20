"""A logging filter that removes credentials from every record before any handler writes it.

`install_log_redaction()` puts one `RedactingFilter` on every handler of the root logger (handlers see the
records of all loggers that propagate, while a logger's own filters do not), so a token that slipped into
an exception message, a log argument or a traceback is gone from the output.
"""
from __future__ import annotations

import logging

from .redact import redact

__all__ = ["RedactingFilter", "install_log_redaction"]


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (arguments merged in) and exception text with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed %-format: log it as given rather than lose the record
            message = f"{record.msg} {record.args}"
        clean = redact(message).text
        if clean is not message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # render the traceback now, redacted; formatters reuse exc_text instead of rendering again
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text).text
        if record.stack_info:
            record.stack_info = redact(record.stack_info).text
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one redacting filter to every handler of `logger` (root by default); idempotent.

    Call it after the handlers are configured (logging.basicConfig, discord.utils.setup_logging); a handler
    added later can be covered by calling it again.
    """
    target = logger or logging.getLogger()
    # with no handler configured, Python writes warnings through logging.lastResort: cover it too
    handlers = target.handlers or ([logging.lastResort] if logger is None and logging.lastResort else [])
    existing = next((f for h in handlers for f in h.filters if isinstance(f, RedactingFilter)), None)
    redacting = existing or RedactingFilter()
    for handler in handlers:
        if redacting not in handler.filters:
            handler.addFilter(redacting)
    return redacting
