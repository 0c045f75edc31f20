"""Units of work on the forum, and the one seam between the adapter and the store's claims (leases).

A unit is one thing to do once: answer a topic, answer a mention, deal with a leaked secret in one version of a
post. Its key is built from forum ids (for a secret, plus a digest of the *redacted* text, never of the secret),
its payload holds its kind and the forum ids (and, for a secret, the finding kinds) another process needs to redo
it. Every unit goes `Ledger.claim` → `Ledger.run`, and nothing else in `forum/` touches claims:

- `claim` takes the unit's lease with its payload; `run` does the work and completes it with its result (the post
  or private message it made; why it stayed silent), or gives it back when the forum is out of reach;
- a unit whose process died (SIGKILL, a crash) is redone by the sweep over `expired_claims("discourse:")`
  (`Forum.redo`), from the post as the forum has it then.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forum.client import DiscourseRefused, DiscourseUnavailable
from spacedoc.leases import Leases, NotDone

log = logging.getLogger(__name__)

KEY_PREFIX = "discourse:"
TOPIC, MENTION, FOLLOWUP, SECRET = "topic", "mention", "followup", "secret"  # unit kinds (the payload's "kind")


@dataclass(frozen=True, slots=True)
class Unit:
    key: str  # e.g. "discourse:topic:123:answer"
    payload: Mapping[str, Any]  # its kind and forum ids (post, topic): enough to fetch everything again
    work: Callable[[], Awaitable[str | None]] = field(compare=False, repr=False)  # returns e.g. the post it made


class Ledger:
    def __init__(self, leases: Leases) -> None:
        self._leases = leases

    async def claim(self, unit: Unit) -> bool:
        """True when this process now holds the unit: never worked on, or left unfinished by a dead process."""
        return await self._leases.store.claim(unit.key, payload=unit.payload)

    async def run(self, unit: Unit) -> None:
        """Does the claimed unit's work and completes it (see `attempt`). Never raises."""
        await self._leases.run(unit.key, lambda: attempt(unit.key, unit.work))


async def attempt(key: str, work: Callable[[], Awaitable[str | None]]) -> str | None:
    """The work's result. The forum refusing (422 too short or duplicate, 403, 404) is its final answer: one line,
    and the unit is done. The forum out of reach: NotDone, the unit is retried."""
    try:
        return await work()
    except DiscourseRefused as exc:
        log.warning("forum work %s not done: %s", key, exc)
        return f"refused (HTTP {exc.status})"
    except DiscourseUnavailable as exc:
        raise NotDone(str(exc)) from None
