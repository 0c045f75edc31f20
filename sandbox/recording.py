"""What the sandbox Discord and Discourse share: every request the bot sends, recorded (the tests read them, and
`BotHarness.check_clean` scans their bodies for secrets), and faults injected into the next matching calls."""
from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str  # Discord: without the /api/v10 prefix
    query: dict[str, str]
    body: Any  # parsed JSON (Discord: or the multipart payload_json), None when empty
    api_username: str | None = None  # Discourse: the account the API key acted as
    status: int = 0  # the answer the bot got
    at: float = field(default_factory=time.monotonic)

    def text(self) -> str:
        return json.dumps(self.body) if self.body is not None else ""


RECORD = web.RequestKey("record", RecordedRequest)  # the recorded request, on the aiohttp request being handled


@dataclass(slots=True)
class InjectedFault:
    """The next `remaining` calls matching `method` ("*": any), `path` and `body` (a pattern searched in the request
    body; one route can serve several actions, e.g. Discourse's POST /posts.json) get `response()` instead of an
    answer (`after`: they are carried out first, the answer alone is lost)."""

    method: str
    path: re.Pattern[str]
    remaining: int
    response: Callable[[], web.Response]
    after: bool = False
    body: re.Pattern[str] | None = None

    @classmethod
    def of(cls, method: str, path_pattern: str, times: int, response: Callable[[], web.Response], *,
           after: bool = False, body_pattern: str = "") -> InjectedFault:
        return cls(method.upper(), re.compile(path_pattern), times, response, after,
                   re.compile(body_pattern) if body_pattern else None)

    def matches(self, method: str, path: str, body: str = "") -> bool:
        return (self.remaining > 0 and self.method in (method, "*") and self.path.search(path) is not None
                and (self.body is None or self.body.search(body) is not None))


def take_fault(faults: list[InjectedFault], method: str, path: str, *, after: bool = False,
               body: str = "") -> web.Response | None:
    """The response of the first fault that matches this call (one of its `remaining` used up), or None."""
    for fault in faults:
        if fault.after == after and fault.matches(method, path, body):
            fault.remaining -= 1
            return fault.response()
    return None
