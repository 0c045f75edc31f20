"""Log records lose their credentials before any handler writes them."""
from __future__ import annotations

import io
import logging

import pytest

from diagnosis.redact_logging import RedactingFilter, install_log_redaction
from sandbox.secretgen import SecretGen


@pytest.fixture
def captured():
    logger = logging.getLogger("test.redact_logging")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    install_log_redaction(logger)
    yield logger, stream
    logger.removeHandler(handler)


def test_message_arguments_and_tracebacks_are_redacted(captured) -> None:
    logger, stream = captured
    gen = SecretGen(21)
    github = gen.sample("github")
    hf, gh, anthropic = gen.sample("huggingface").secret, github.secret, gen.sample("anthropic").secret
    logger.info("user pasted %s in %r", hf, {"auth": gh})
    logger.warning(f"literal message with {anthropic}")
    try:
        raise RuntimeError(f"401 for token {hf}")
    except RuntimeError:
        logger.exception("call failed")
    out = stream.getvalue()
    for secret in (hf, gh, anthropic):
        assert secret[len(secret) // 2:] not in out
    assert out.count("hf_[REDACTED]") == 2
    assert f"{github.prefix}[REDACTED]" in out and "sk-ant-api03-[REDACTED]" in out
    assert "RuntimeError" in out and "Traceback" in out


def test_clean_records_keep_their_lazy_arguments(captured) -> None:
    logger, stream = captured
    record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "%d spaces", (3,), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "3 spaces"
    logger.info("%d spaces checked", 3)
    assert "3 spaces checked" in stream.getvalue()


def test_install_is_idempotent(captured) -> None:
    logger, _ = captured
    first = install_log_redaction(logger)
    second = install_log_redaction(logger)
    assert first is second
    assert sum(isinstance(f, RedactingFilter) for f in logger.handlers[0].filters) == 1


def test_a_malformed_format_is_still_logged_and_redacted(captured) -> None:
    logger, stream = captured
    hf = SecretGen(22).sample("huggingface").secret
    logger.error("bad format %d", hf)
    assert hf[3:] not in stream.getvalue()
    assert "hf_[REDACTED]" in stream.getvalue()


def test_the_interaction_token_in_discord_py_debug_lines_is_redacted(captured) -> None:
    """discord.py logs each request's URL at DEBUG; an interaction's callback URL carries its token."""
    logger, stream = captured
    base64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    token = "aW50ZXJhY3Rpb246" + SecretGen(22).r(base64url, 140)  # base64 of "interaction:…"
    url = f"https://discord.com/api/v10/interactions/1234567890123456789/{token}/callback"
    logger.debug("POST %s with {'type': 5} has returned 204", url)
    logger.debug("PATCH https://discord.com/api/v10/webhooks/987654321098765432/%s/messages/@original", token)
    assert token[16:40] not in stream.getvalue()
