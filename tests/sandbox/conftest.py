"""Fixtures of the sandboxes' own tests."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sandbox.discord_server import DiscordSandbox


@pytest.fixture
async def discord_sandbox() -> AsyncIterator[DiscordSandbox]:
    async with DiscordSandbox() as server:
        yield server
