"""Fixtures of the process's tests (spacedoc/)."""
from __future__ import annotations

import pytest

from tests.helpers import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """Time for the store's leases and the revocation queue: it moves only when a test advances it."""
    return FakeClock()
