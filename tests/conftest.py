"""Shared fixtures: the sandbox Discord, the sandbox Hub and the real bot running against both.

`harness` starts everything (sandbox/harness.py) and, after the test, fails it on any ERROR log record, any
request the sandbox could not route, and any secret in a request body the bot sent.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from diagnosis.hub import HubClient
from sandbox.discord_server import DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub


@pytest.fixture
async def discord_sandbox() -> AsyncIterator[DiscordSandbox]:
    async with DiscordSandbox() as server:
        yield server


@pytest.fixture
async def sandbox_hub() -> AsyncIterator[SandboxHub]:
    async with SandboxHub() as hub:
        yield hub


@pytest.fixture
async def hub_client(sandbox_hub: SandboxHub) -> AsyncIterator[HubClient]:
    """The real Hub client against the sandbox Hub, with short backoffs so fault tests stay fast."""
    async with HubClient(sandbox_hub.endpoint, status_url=sandbox_hub.status_url, backoff_base=0.01) as client:
        yield client


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    h = BotHarness(str(tmp_path / "spacedoc.sqlite3"))
    await h.start()
    try:
        yield h
    finally:
        await h.close()
    h.check_clean()
