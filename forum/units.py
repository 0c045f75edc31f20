"""Units of work on the forum, and the one seam between the adapter and the store's claims.

A unit is one thing to do once: answer a topic, answer a mention, deal with a leaked secret in one version of a
post. Its key is built from forum ids (for a secret, plus a digest of the *redacted* text, never of the secret),
its payload holds the ids another process needs to redo it. Every unit goes `Ledger.claim` → `Ledger.run`, and
nothing else in `forum/` touches claims:

- today the store's claims are insert-if-absent booleans, so a claimed unit is taken for good;
- with the store's leases (`claim(key, payload=…)`, `complete(key, result)`, `release(key)`, issue 12) these two
  methods are the only place to change: claim with the payload, complete with the work's result, release after a
  handled failure, and a sweep over `expired_claims("discourse:")` redoes what a killed process left.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from forum.client import DiscourseError
from spacedoc.store import Store

log = logging.getLogger(__name__)

KEY_PREFIX = "discourse:"


@dataclass(frozen=True, slots=True)
class Unit:
    key: str  # e.g. "discourse:topic:123:answer"
    payload: Mapping[str, Any]  # forum ids only (post, topic): enough to fetch everything again
    work: Callable[[], Awaitable[str | None]] = field(compare=False, repr=False)  # returns e.g. the post it made


class Ledger:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def claim(self, unit: Unit) -> bool:
        """True when this process now holds the unit (never worked on before)."""
        return await self._store.claim(unit.key)

    async def run(self, unit: Unit) -> None:
        """Does the claimed unit's work; a failure is logged (redacted by the log filter), never raised. The forum
        refusing (422 too short or duplicate, 403, 404) or being out of reach is one line, not a traceback."""
        try:
            await unit.work()
        except DiscourseError as exc:
            log.warning("forum work %s not done: %s", unit.key, exc)
        except Exception:
            log.exception("forum work %s failed", unit.key)
