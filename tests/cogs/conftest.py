"""Fixtures of the cogs' tests: the real bot (the `harness` fixture, tests/conftest.py) with its server set up."""
from __future__ import annotations

import pytest

from sandbox.harness import BotHarness


@pytest.fixture
async def forum(harness: BotHarness) -> BotHarness:
    """The bot with the sandbox's help forum configured (what `/spacedoc forum add` does)."""
    await harness.configure(help_forums=frozenset({harness.discord.help_forum}))
    return harness
