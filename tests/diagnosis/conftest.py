"""Fixtures of the engine's tests (diagnosis/)."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from diagnosis.hub import HubClient
from sandbox.hub import SandboxHub


@pytest.fixture
async def hub_client(sandbox_hub: SandboxHub) -> AsyncIterator[HubClient]:
    """The real Hub client against the sandbox Hub, with short backoffs so fault tests stay fast."""
    async with HubClient(sandbox_hub.endpoint, status_url=sandbox_hub.status_url, backoff_base=0.01) as client:
        yield client
