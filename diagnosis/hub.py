"""The one client for everything Space Doctor asks over HTTP: the Hub, the status page, token revocation.

Requests go through huggingface_hub's own async HTTP session (`get_async_session`, i.e. its request hooks,
offline mode and any client factory the host configured), with its header builder (`build_hf_headers`: the
token lookup, `token=False` for anonymous) and its error mapping (`hf_raise_for_status` →
`RepositoryNotFoundError`, `DisabledRepoError`, …); payloads are parsed by its `SpaceRuntime` / `SpaceInfo`.
The async session rather than `HfApi`'s sync methods in threads because a thread blocked in a read cannot be
cancelled: the default sync session has no timeout, and `fetch_space_logs` without `follow` never returns on
a quiet stream that only sends keep-alives. Here every probe has a budget and a deadline really stops it.

Politeness: per-probe budgets, bounded retries with jittered backoff on 5xx and lost connections, 429 waits
for `Retry-After`, a TTL cache per probe and one request in flight per (probe, Space).

Observability without a dependency: `on_probe(probe, seconds, failure)` is called once per request actually sent
(not for cache hits), with its kind (a key of `DEFAULT_TIMEOUT`), its duration, retries included, and the
`ProbeFailed` it ended in (None on success). The bot counts these for its metrics.
"""
from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2
from huggingface_hub import SpaceInfo as HfSpaceInfo
from huggingface_hub import SpaceRuntime, constants
from huggingface_hub.errors import (
    DisabledRepoError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
)
from huggingface_hub.utils import build_hf_headers, get_async_session, hf_raise_for_status, parse_datetime

from diagnosis.model import Commit, RuntimeState, SpaceInfo, StatusPage
from diagnosis.spaceref import is_valid_space_id, subdomain_of

T = TypeVar("T")

DEFAULT_STATUS_URL = "https://status.huggingface.co/index.json"
USER_AGENT_LIBRARY = "space-doctor"
DISABLED_MESSAGE = "Access to this resource is disabled."  # the Hub's X-Error-Message (see hf_raise_for_status)

# How long an answer stays fresh, per probe kind (seconds). Runtime moves fast; a Space's card rarely.
DEFAULT_TTL: Mapping[str, float] = {
    "runtime": 15.0,
    "info": 300.0,
    "commits": 30.0,
    "logs": 15.0,
    "status": 60.0,
    "search": 60.0,
}
REFUSAL_TTL = 30.0  # upper bound for caching "not found, or private", "disabled", "owner-only"
# Budget of one probe, retries included (seconds).
DEFAULT_TIMEOUT: Mapping[str, float] = {
    "runtime": 4.0,
    "info": 4.0,
    "commits": 4.0,
    "logs": 4.0,
    "status": 4.0,
    "search": 4.0,
    "revoke": 6.0,
}
SEARCH_LIMIT = 100  # Spaces listed per search: an owner's Spaces whose id holds one word of the subdomain


class ProbeFailed(Exception):
    """A probe got no usable answer; `reason` is short and human ("owner-only", "HTTP 500 after 3 tries").

    `definitive` answers (not found, disabled, owner-only) are cached like successes, for at most
    `REFUSAL_TTL`: asking again at once would get the same refusal.
    """

    def __init__(self, reason: str, *, definitive: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.definitive = definitive


class HubUnreachable(ProbeFailed):
    """Nothing answered at all: connection refused, DNS failure, offline mode."""


ProbeObserver = Callable[[str, float, ProbeFailed | None], None]  # (probe, seconds, failure or None)


def _checked(space_id: str) -> str:
    """Only ids passing the strict check ever reach a URL."""
    if not is_valid_space_id(space_id):
        raise ValueError(f"not a valid OWNER/NAME Space id: {space_id!r}")
    return space_id


# ---- Parsing (pure) -----------------------------------------------------------------------

def parse_runtime(payload: Any) -> RuntimeState:
    if not isinstance(payload, dict) or not isinstance(payload.get("stage"), str):
        raise ProbeFailed("unexpected runtime payload")
    runtime = SpaceRuntime(payload)
    abuse = payload.get("abuse")
    return RuntimeState(
        stage=str(runtime.stage),
        hardware=runtime.hardware,
        requested_hardware=runtime.requested_hardware,
        error_message=payload.get("errorMessage") if isinstance(payload.get("errorMessage"), str) else None,
        abuse=abuse if isinstance(abuse, dict) else None,
        sha=payload.get("sha") if isinstance(payload.get("sha"), str) else None,
        raw=payload,
    )


def parse_space_info(payload: Any) -> SpaceInfo:
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), str):
        raise ProbeFailed("unexpected space info payload")
    info = HfSpaceInfo(**payload)
    card = payload.get("cardData")
    return SpaceInfo(
        id=info.id,
        sdk=info.sdk,
        card_data=card if isinstance(card, dict) else {},
        last_modified=info.last_modified,
        disabled=bool(info.disabled),
        subdomain=info.subdomain,
        files=tuple(s.rfilename for s in info.siblings or ()),
    )


def parse_space_ids(payload: Any) -> tuple[str, ...]:
    """The ids in a Space listing (`GET /api/spaces`)."""
    if not isinstance(payload, list):
        raise ProbeFailed("unexpected search payload")
    return tuple(item["id"] for item in payload if isinstance(item, dict) and isinstance(item.get("id"), str))


def parse_commits(payload: Any) -> tuple[Commit, ...]:
    if not isinstance(payload, list):
        raise ProbeFailed("unexpected commits payload")
    return tuple(
        Commit(
            id=item["id"],
            title=item.get("title") or "",
            created_at=parse_datetime(item["date"]),
        )
        for item in payload
    )


_OK_STATES = {"operational", "not_monitored"}


def parse_status_page(payload: Any) -> StatusPage:
    """Better Stack's JSON:API `index.json`: the page state, non-operational resources, open reports."""
    try:
        state = payload["data"]["attributes"]["aggregate_state"]
        included = payload.get("included") or []
        degraded = tuple(
            (item["attributes"]["public_name"], item["attributes"]["status"])
            for item in included
            if item.get("type") == "status_page_resource" and item["attributes"].get("status") not in _OK_STATES
        )
        open_reports = tuple(
            (item["attributes"]["title"], item["attributes"].get("aggregate_state") or "open")
            for item in included
            if item.get("type") == "status_report"
            and item["attributes"].get("aggregate_state") != "resolved"
            and not item["attributes"].get("ends_at")
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ProbeFailed("unexpected status page payload") from exc
    return StatusPage(aggregate_state=str(state), degraded=degraded, open_reports=open_reports)


# ---- The client ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Entry:
    """A cached outcome: the value, or the reason of a definitive refusal. Never the exception itself: its
    traceback would keep every frame of the failed request alive for as long as the entry lives."""

    expires: float
    value: Any = None
    refusal: str | None = None


class HubClient:
    """Async, cached, single-flight access to the Hub for one process (share one instance).

    `token=False` (default): anonymous, so nothing only a token could see is ever revealed. `token=None`: the
    locally saved token (huggingface_hub's usual lookup) — for the CLI run by a Space's owner.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | bool | None = False,
        status_url: str | None = None,
        ttl: Mapping[str, float] | None = None,
        timeouts: Mapping[str, float] | None = None,
        max_tries: int = 3,
        backoff_base: float = 0.2,
        max_cache_entries: int = 4096,
        rng: random.Random | None = None,
        on_probe: ProbeObserver | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self.status_url = status_url or DEFAULT_STATUS_URL
        self._hub_headers = build_hf_headers(token=token, library_name=USER_AGENT_LIBRARY)
        # Status page and revocation never carry the caller's token.
        self._plain_headers = build_hf_headers(token=False, library_name=USER_AGENT_LIBRARY)
        self._ttl = {**DEFAULT_TTL, **(ttl or {})}
        self._timeouts = {**DEFAULT_TIMEOUT, **(timeouts or {})}
        self._max_tries = max_tries
        self._backoff_base = backoff_base
        self._rng = rng or random.Random()
        self._max_cache_entries = max_cache_entries
        self._on_probe = on_probe
        self._sleep = sleep  # the waits between tries (a test records them instead of waiting)
        self._cache: dict[tuple[str, str], _Entry] = {}
        self._inflight: dict[tuple[str, str], asyncio.Task[Any]] = {}
        self._http = get_async_session()
        self._http.timeout = httpx2.Timeout(max(self._timeouts.values()))
        self.unreachable: HubUnreachable | None = None  # set while the last Hub request found nobody there

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for task in list(self._inflight.values()):
            task.cancel()
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        await self._http.aclose()

    # ---- probes ----

    async def runtime(self, space_id: str) -> RuntimeState:
        url = f"{self.endpoint}/api/spaces/{_checked(space_id)}/runtime"
        return await self._cached("runtime", space_id, lambda: self._get_json("runtime", url, parse_runtime))

    async def space_info(self, space_id: str) -> SpaceInfo:
        url = f"{self.endpoint}/api/spaces/{_checked(space_id)}"
        return await self._cached("info", space_id, lambda: self._get_json("info", url, parse_space_info))

    async def commits(self, space_id: str, limit: int = 30) -> tuple[Commit, ...]:
        """The newest `limit` commits of `main`, newest first (one page; enough to reach the running sha)."""
        url = f"{self.endpoint}/api/spaces/{_checked(space_id)}/commits/main"

        async def fetch() -> tuple[Commit, ...]:
            return (await self._get_json("commits", url, parse_commits, params={"limit": limit}))[:limit]

        return await self._cached("commits", f"{space_id}@{limit}", fetch)

    async def logs(
        self,
        space_id: str,
        build: bool,
        *,
        max_lines: int = 400,
        max_bytes: int = 64_000,
        max_seconds: float = 3.0,
        idle_seconds: float = 1.0,
    ) -> str:
        """The tail of the build or run log (SSE), as huggingface_hub's `fetch_space_logs` reads it without
        `follow`: replayed events up to the server's `Date` + 1 s. Bounded: at most `max_lines`/`max_bytes`
        (the tail is kept), `max_seconds` in all, and it stops once `idle_seconds` pass without a log event
        (keep-alives do not count).
        """
        kind = "build" if build else "run"
        url = f"{self.endpoint}/api/spaces/{_checked(space_id)}/logs/{kind}"

        async def fetch() -> str:
            return await self._read_log_stream(url, max_lines, max_bytes, max_seconds, idle_seconds)

        return await self._cached("logs", f"{space_id}:{kind}", fetch)

    async def status_page(self) -> StatusPage:
        return await self._cached(
            "status", self.status_url, lambda: self._get_json("status", self.status_url, parse_status_page, hub=False)
        )

    async def resolve_subdomain(self, candidates: Iterable[str]) -> str | None:
        """The Space served at the `*.hf.space` subdomain that these `OWNER/NAME` readings (from
        `subdomain_candidates`) come from, as the Hub spells its id; None when there is none.

        Each reading is looked up first (the Hub matches ids case-insensitively, so `Alice/My-App` is found as
        `alice/my-app`). A subdomain shows `_` and `.` as `-`, so when no reading exists the Space is searched for
        by the longest word of its name: among each reading's owner's Spaces, then (for owners whose own name
        holds `_` or `.`) the whole Hub. A transient failure is raised only when nothing was found.
        """
        valid = [c for c in dict.fromkeys(candidates) if is_valid_space_id(c)]
        if not valid:
            return None
        subdomain = subdomain_of(valid[0])
        looked_up = await asyncio.gather(*(self._served(c) for c in valid), return_exceptions=True)
        found, transient = _served_at(subdomain, looked_up)
        if found is None:
            by_owner = dict.fromkeys((owner, _longest_word(name)) for owner, name in (c.split("/") for c in valid))
            searches = [*by_owner, (None, _longest_word(subdomain))]
            searched = await asyncio.gather(*(self._search_spaces(owner, word) for owner, word in searches),
                                            return_exceptions=True)
            found, failed = _served_at(subdomain, searched)
            transient = transient or failed
        if found is None and transient is not None:
            raise transient
        return found

    async def _served(self, space_id: str) -> list[tuple[str, str]]:
        """[(the id as the Hub spells it, the subdomain it is served at)]; the Hub's own `subdomain` field
        wins over our derivation (it is absent from older answers)."""
        info = await self.space_info(space_id)
        return [(info.id, info.subdomain or subdomain_of(info.id))]

    async def _search_spaces(self, author: str | None, word: str) -> list[tuple[str, str]]:
        """(id, subdomain) of the Spaces (of `author`, when given) whose id holds `word` (the Hub's `search`:
        a case-insensitive substring)."""
        url = f"{self.endpoint}/api/spaces"
        params = {"search": word, "limit": SEARCH_LIMIT} | ({"author": author} if author else {})
        ids = await self._cached("search", f"{author or '*'}:{word}",
                                 lambda: self._get_json("search", url, parse_space_ids, params=params))
        return [(space_id, subdomain_of(space_id)) for space_id in ids]

    async def revoke_credentials(self, tokens: list[str]) -> None:
        """Ask the Hub to revoke leaked tokens. The tokens travel only in the body, never as credentials."""
        if not tokens:
            return

        async def revoke() -> None:
            response = await self._send(
                "POST", f"{self.endpoint}/api/credentials/revoke", self._timeouts["revoke"], hub=False,
                json={"credentials": list(tokens)},
            )
            if response.status_code >= 400:
                raise ProbeFailed(f"revocation refused (HTTP {response.status_code})")

        await self._observed("revoke", revoke)

    # ---- cache and single flight ----

    async def _cached(self, kind: str, key: str, fetch: Callable[[], Awaitable[T]]) -> T:
        slot = (kind, key)
        entry = self._cache.get(slot)
        if entry is not None and entry.expires > time.monotonic():
            if entry.refusal is not None:
                raise ProbeFailed(entry.refusal, definitive=True)
            return entry.value
        task = self._inflight.get(slot)
        if task is None:
            task = asyncio.create_task(self._fill(slot, fetch))
            self._inflight[slot] = task
            task.add_done_callback(lambda t: self._settled(slot, t))
        # shield: a caller giving up (its deadline) must not cancel the request others are waiting on
        return await asyncio.shield(task)

    async def _fill(self, slot: tuple[str, str], fetch: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await self._observed(slot[0], fetch)
        except ProbeFailed as failure:
            if failure.definitive:  # kept briefly: the owner may be fixing exactly this (visibility, a typo)
                ttl = min(self._ttl[slot[0]], REFUSAL_TTL)
                self._store(slot, _Entry(time.monotonic() + ttl, refusal=failure.reason))
            raise
        self._store(slot, _Entry(time.monotonic() + self._ttl[slot[0]], value=value))
        return value

    async def _observed(self, probe: str, request: Callable[[], Awaitable[T]]) -> T:
        """`request()`, reported to `on_probe` when it ends in an answer or a ProbeFailed."""
        if self._on_probe is None:
            return await request()
        started = time.monotonic()
        try:
            value = await request()
        except ProbeFailed as failure:
            self._on_probe(probe, time.monotonic() - started, failure)
            raise
        self._on_probe(probe, time.monotonic() - started, None)
        return value

    def _settled(self, slot: tuple[str, str], task: asyncio.Task[Any]) -> None:
        self._inflight.pop(slot, None)
        if not task.cancelled():
            task.exception()  # retrieved here so an answer nobody waited for does not warn

    def _store(self, slot: tuple[str, str], entry: _Entry) -> None:
        self._cache.pop(slot, None)
        self._cache[slot] = entry
        if len(self._cache) > self._max_cache_entries:
            now = time.monotonic()
            for stale in [s for s, e in self._cache.items() if e.expires <= now]:
                del self._cache[stale]
            while len(self._cache) > self._max_cache_entries:
                del self._cache[next(iter(self._cache))]

    # ---- HTTP ----

    async def _get_json(
        self,
        kind: str,
        url: str,
        parse: Callable[[Any], T],
        *,
        params: Mapping[str, Any] | None = None,
        hub: bool = True,
    ) -> T:
        response = await self._send("GET", url, self._timeouts[kind], hub=hub, params=params)
        self._raise_for_status(response)
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProbeFailed("malformed JSON") from None
        try:
            return parse(payload)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProbeFailed(f"unexpected {kind} payload") from exc

    async def _read_log_stream(
        self, url: str, max_lines: int, max_bytes: int, max_seconds: float, idle_seconds: float
    ) -> str:
        response = await self._send("GET", url, self._timeouts["logs"], hub=True, stream=True)
        try:
            if response.status_code >= 400:
                await response.aread()
                if response.headers.get("X-Error-Message") == DISABLED_MESSAGE:
                    raise ProbeFailed("disabled", definitive=True)
                if response.status_code in (401, 403):
                    raise ProbeFailed("owner-only", definitive=True)
                self._raise_for_status(response)
            replay_end = _http_date(response.headers.get("date"))
            if replay_end is not None:
                replay_end += timedelta(seconds=1)  # the Date header has a 1 s resolution
            return await self._collect_events(response, replay_end, max_lines, max_bytes, max_seconds, idle_seconds)
        finally:
            await response.aclose()

    @staticmethod
    async def _collect_events(
        response: httpx2.Response,
        replay_end: datetime | None,
        max_lines: int,
        max_bytes: int,
        max_seconds: float,
        idle_seconds: float,
    ) -> str:
        tail: deque[str] = deque()
        size = 0
        malformed = 0
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + max_seconds
        last_event = loop.time()
        lines = response.aiter_lines()
        try:
            while (wait := min(stop_at, last_event + idle_seconds) - loop.time()) > 0:
                try:
                    line = await asyncio.wait_for(anext(lines), wait)
                except (TimeoutError, StopAsyncIteration):
                    break
                except (httpx2.ReadError, httpx2.RemoteProtocolError, httpx2.DecodingError):
                    break  # the stream ended badly: keep what arrived
                if not line.startswith("data: {"):
                    continue  # keep-alive (empty `data:`) or SSE comment
                try:
                    event = json.loads(line[len("data: "):])
                    text = str(event["data"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    malformed += 1
                    continue
                if replay_end is not None and _stamped_after(event.get("timestamp"), replay_end):
                    break  # a live event: the buffered log has been replayed
                last_event = loop.time()
                tail.append(text if text.endswith("\n") else text + "\n")
                size += len(tail[-1])
                while len(tail) > 1 and (len(tail) > max_lines or size > max_bytes):
                    size -= len(tail.popleft())
        finally:
            await lines.aclose()
        if not tail and malformed:
            raise ProbeFailed("malformed JSON")
        return "".join(tail)

    def _raise_for_status(self, response: httpx2.Response) -> None:
        if response.status_code < 400:
            return
        try:
            hf_raise_for_status(response)
        except DisabledRepoError:
            raise ProbeFailed("disabled", definitive=True) from None
        except RepositoryNotFoundError:
            raise ProbeFailed("not found, or private", definitive=True) from None
        except HfHubHTTPError:
            pass
        code = response.status_code
        if code in (401, 403):
            raise ProbeFailed(f"refused (HTTP {code})", definitive=True)
        raise ProbeFailed(f"HTTP {code}", definitive=code == 404)

    async def _send(
        self,
        method: str,
        url: str,
        budget: float,
        *,
        hub: bool,
        stream: bool = False,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx2.Response:
        """One request with bounded retries, all within `budget` seconds; returns the final response (read
        in full, or still open if `stream`).

        Retried: 5xx and lost connections (jittered backoff), 429 (after `Retry-After`), while tries and the
        budget last. Anything else is the answer.
        """
        try:
            async with asyncio.timeout(budget):
                return await self._send_with_retries(method, url, budget, hub, stream, params, json)
        except TimeoutError:
            raise ProbeFailed(f"timed out after {budget:.1f} s") from None

    async def _send_with_retries(
        self, method: str, url: str, budget: float, hub: bool, stream: bool, params: Mapping[str, Any] | None,
        json: Any,
    ) -> httpx2.Response:
        headers = self._hub_headers if hub else self._plain_headers
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + budget
        tries = 0

        def last_try(wait: float) -> bool:
            return tries >= self._max_tries or loop.time() + wait >= give_up_at

        while True:
            tries += 1
            request = self._http.build_request(method, url, headers=headers, params=params, json=json)
            try:
                response = await self._http.send(request, stream=True)
            except OfflineModeIsEnabled:
                unreachable = HubUnreachable("offline mode (HF_HUB_OFFLINE) is on")
                self._note(hub, unreachable)
                raise unreachable from None
            except httpx2.TimeoutException:
                raise ProbeFailed(f"timed out after {budget:.1f} s") from None
            except httpx2.ConnectError as exc:
                unreachable = HubUnreachable(f"no connection to {urlsplit(url).netloc} ({_short(exc)})")
                self._note(hub, unreachable)
                if last_try(wait := self._backoff(tries)):
                    raise unreachable from None
            except (httpx2.NetworkError, httpx2.RemoteProtocolError) as exc:
                if last_try(wait := self._backoff(tries)):
                    raise ProbeFailed(f"connection lost after {tries} tries ({_short(exc)})") from None
            else:
                self._note(hub, None)
                status = response.status_code
                if status != 429 and status < 500:
                    if not stream:
                        await response.aread()
                    return response
                await response.aclose()
                if status == 429:
                    retry_after = _retry_after(response.headers)
                    wait = self._backoff(tries) if retry_after is None else retry_after
                    if last_try(wait):
                        raise ProbeFailed(f"rate limited (HTTP 429, retry after {wait:.0f} s)")
                elif last_try(wait := self._backoff(tries)):
                    raise ProbeFailed(f"HTTP {status} after {tries} tries")
            await self._sleep(wait)

    def _note(self, hub: bool, unreachable: HubUnreachable | None) -> None:
        """Remember whether the Hub itself answered the last request (the CLI's "offline" check)."""
        if hub:
            self.unreachable = unreachable

    def _backoff(self, tries: int) -> float:
        """Full jitter: uniform in [0, base·2^(tries-1)], capped at 2 s."""
        return self._rng.uniform(0, min(2.0, self._backoff_base * 2 ** (tries - 1)))


def _served_at(subdomain: str, results: list[Any]) -> tuple[str | None, ProbeFailed | None]:
    """The first id served at `subdomain` among lookup results (each a list of (id, its subdomain), or the
    exception the lookup raised), and a transient failure met on the way. Anything but a ProbeFailed is
    re-raised."""
    transient: ProbeFailed | None = None
    for result in results:
        if isinstance(result, ProbeFailed):
            transient = transient if result.definitive else result
        elif isinstance(result, BaseException):
            raise result
        else:
            match = next((space_id for space_id, served in result if served == subdomain), None)
            if match is not None:
                return match, None
    return None, transient


def _longest_word(name: str) -> str:
    return max(name.split("-"), key=len)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds: delay-seconds or an HTTP date."""
    value = (headers.get("retry-after") or "").strip()
    if value.isdigit():
        return float(value)
    when = _http_date(value)
    return None if when is None else max(0.0, (when - datetime.now(UTC)).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _stamped_after(timestamp: object, moment: datetime) -> bool:
    if not isinstance(timestamp, str):
        return False
    try:
        return parse_datetime(timestamp) > moment
    except ValueError:
        return False


def _short(exc: BaseException) -> str:
    """Name the cause the way a person would (the transport wraps the socket error)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        cause = cause.__cause__ or cause.__context__
    return (str(exc) or type(exc).__name__)[:80]
