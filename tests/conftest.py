"""Shared fixtures: the sandbox Discord, the sandbox Hub and the real bot running against both.

`harness` starts everything (sandbox/harness.py) and, after the test, fails it on any ERROR log record, any
request the sandbox could not route, and any secret in a request body the bot sent.
`token_factory` builds format-valid synthetic credentials at run time from a seeded RNG: no literal secret
ever enters the repository.
"""
from __future__ import annotations

import random
import string
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    h = BotHarness(str(tmp_path / "spacedoc.sqlite3"))
    await h.start()
    try:
        yield h
    finally:
        await h.close()
    h.check_clean()


class TokenFactory:
    """Synthetic credentials shaped like the real ones, different on every call, reproducible per test."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def _chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def hf(self) -> str:
        return "hf_" + self._chars(string.ascii_letters + string.digits, 34)


@pytest.fixture
def token_factory(request: pytest.FixtureRequest) -> TokenFactory:
    return TokenFactory(seed=zlib.crc32(request.node.nodeid.encode()))
