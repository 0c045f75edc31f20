"""`LOG_FORMAT=json` (one redacted JSON object per line, naming the guild / channel / topic it is about) and
`python bot.py --help` (every environment variable with its default, from spacedoc.config.VARIABLES)."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from diagnosis.redact_logging import install_log_redaction
from sandbox.discord_server import DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc import config as configuration
from spacedoc import logs
from spacedoc.store import GuildSettings, open_store
from tests.helpers import PAUSED_REPORT, ROOT

WAIT = 20.0


def test_json_lines_are_redacted_and_name_the_ids_in_context() -> None:
    logger = logging.getLogger("test.json_logs")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    install_log_redaction(logger)
    token = SecretGen(seed=5).sample("huggingface").secret
    try:
        logger.info("outside any event")
        with logs.context(guild_id=1234567890123456789, channel_id=42):
            with logs.context(topic_id=7):
                logger.warning("pasted %s", token)
            try:
                raise RuntimeError(f"401 for {token}")
            except RuntimeError:
                logger.exception("call failed")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [set(line) for line in lines] == [
        {"time", "level", "logger", "message"},
        {"time", "level", "logger", "message", "guild_id", "channel_id", "topic_id"},
        {"time", "level", "logger", "message", "guild_id", "channel_id", "exception"}]
    assert lines[1] | {"time": ""} == {"time": "", "level": "WARNING", "logger": "test.json_logs",
                                       "message": "pasted hf_[REDACTED]", "guild_id": "1234567890123456789",
                                       "channel_id": "42", "topic_id": "7"}
    assert "Traceback" in lines[2]["exception"] and "hf_[REDACTED]" in lines[2]["exception"]
    assert token[3:] not in stream.getvalue()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", lines[0]["time"])


def test_an_unknown_id_name_is_refused() -> None:
    with pytest.raises(ValueError):
        logs.bind(user_id=1)


async def test_the_bot_logs_json_lines_naming_the_guild_and_channel(tmp_path: Path) -> None:
    """`python bot.py` with LOG_FORMAT=json: every line of its stderr is a JSON object, and what it logs while
    answering a forum post names the server and the post's thread."""
    async with DiscordSandbox() as d, SandboxHub() as hub:
        db = tmp_path / "spacedoc.sqlite3"
        store = await open_store(str(db))
        await store.save_guild_settings(GuildSettings(d.guild_id, help_forums=frozenset({d.help_forum})))
        await store.close()
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | {
            "PYTHONPATH": str(ROOT), "LOG_FORMAT": "json"} | BotHarness(str(db), discord=d, hub=hub).env()
        log_path = tmp_path / "bot.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(sys.executable, str(ROOT / "bot.py"), cwd=str(ROOT),
                                                        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log)
        try:
            await d.wait_for(lambda: "logged in as" in log_path.read_text(), timeout=WAIT)  # ready
            d.fail_new_forum_posts(1)  # the bot's first post into the thread gets 40058 and is logged, retried
            post = await d.create_forum_post(d.help_forum, d.add_user("alice"), "Space stuck on PAUSED",
                                             PAUSED_REPORT)
            await d.wait_for_bot_message(int(post["id"]), timeout=WAIT)
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), WAIT)
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]  # every line is one JSON object
    assert proc.returncode == 0 and lines
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["logger"] == "spacedoc.bot" and line["message"].startswith("logged in as") for line in lines)
    retried = [line for line in lines if "thread not ready" in line["message"]]
    assert retried and retried[0]["guild_id"] == str(d.guild_id) and retried[0]["channel_id"] == post["id"]
    assert not [line for line in lines if line["level"] == "ERROR"]


def test_help_lists_every_variable_with_its_default() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "--help"], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={"PATH": os.environ.get("PATH", "")}).stdout
    for variable in configuration.VARIABLES:
        assert re.search(rf"^\s+{variable.name}\s+\(default: {re.escape(variable.default)}\)$", out, re.M), variable
    assert "--demo" in out


def test_every_variable_the_configuration_reads_is_declared_and_every_declared_one_is_read() -> None:
    source = (ROOT / "spacedoc" / "config.py").read_text()
    read = set(re.findall(r'env(?:\.get\(|, )"([A-Z][A-Z0-9_]+)"', source))
    assert read == {variable.name for variable in configuration.VARIABLES}


def test_reading_an_undeclared_variable_is_a_programming_error() -> None:
    declared = configuration._Declared({"DISCORD_TOKEN": "t", "HOME": "/root"})
    assert declared.get("DISCORD_TOKEN") == "t" and dict(declared) == {"DISCORD_TOKEN": "t"}
    with pytest.raises(RuntimeError, match="HOME"):
        declared.get("HOME")


@pytest.mark.parametrize("value, expected", [("", "text"), ("json", "json"), ("JSON", "json")])
def test_log_format_is_read(value: str, expected: str) -> None:
    assert configuration.load({"DISCORD_TOKEN": "t", "LOG_FORMAT": value}).log_format == expected


def test_a_bad_log_format_is_a_one_line_error() -> None:
    with pytest.raises(configuration.ConfigError, match="LOG_FORMAT"):
        configuration.load({"DISCORD_TOKEN": "t", "LOG_FORMAT": "xml"})
