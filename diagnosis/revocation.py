"""Where a leaked Hugging Face token's revocation stands: what the warnings say (`diagnosis.leaks`) and what the bot
records.

The bot revokes through the Hub's `/api/credentials/revoke` (`HubClient.revoke_credentials`); the durable queue
that retries it across Hub outages and restarts lives with the store (`spacedoc.revocations`). The Hub answers 202
whether a token existed or not, so "revoked" means "the Hub accepted the request".
"""
from __future__ import annotations

from enum import StrEnum

__all__ = ["RevocationStatus"]


class RevocationStatus(StrEnum):
    PENDING = "pending"  # recorded, being sent (retried until the Hub accepts it)
    REVOKED = "revoked"  # the Hub accepted the revocation request
    FAILED = "failed"  # the Hub did not accept it in time; the owner must revoke it by hand
