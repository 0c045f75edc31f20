"""Where a leaked Hugging Face token's revocation stands, and how long to wait before trying it again.

The bot revokes through the Hub's `/api/credentials/revoke` (`HubClient.revoke_credentials`); the durable queue
that retries it across Hub outages and restarts lives with the store (`spacedoc.revocations`). The Hub answers 202
whether a token existed or not, so "revoked" means "the Hub accepted the request".
"""
from __future__ import annotations

import random
from enum import StrEnum

__all__ = ["RevocationStatus", "backoff"]


class RevocationStatus(StrEnum):
    PENDING = "pending"  # recorded, being sent (retried until the Hub accepts it)
    REVOKED = "revoked"  # the Hub accepted the revocation request
    FAILED = "failed"  # the Hub did not accept it in time; the owner must revoke it by hand


def backoff(attempt: int, *, base: float, ceiling: float, rng: random.Random | None = None) -> float:
    """Seconds before try `attempt + 1`: exponential from `base`, at most `ceiling`, with equal jitter (half fixed,
    half random) so that retries from many processes spread."""
    top = min(ceiling, base * 2 ** (max(attempt, 1) - 1))
    return top / 2 + (rng or random).uniform(0, top / 2)
