"""A loopback Hugging Face Hub: the Space endpoints Space Doctor reads, shaped like the real ones.

A real aiohttp server on 127.0.0.1 (random free port) that the real `huggingface_hub` reaches through
`HF_ENDPOINT` / `endpoint=`. Each Space is a scenario file in `scenarios/` (runtime payload, card, commits,
logs, faults); the status page is one of the Better Stack `index.json` documents in `status_pages/`.

Ids are matched case-insensitively and answered with the Space's own spelling, as on the Hub;
`GET /api/spaces?author=…&search=…&limit=…` lists Spaces (search: a case-insensitive substring of the id).
Access rules follow the Hub: anonymous requests for a private or missing Space get 401 and authenticated ones
404 (both with `X-Error-Code: RepoNotFound`, so the client raises `RepositoryNotFoundError`); a disabled Space
answers with `X-Error-Message: Access to this resource is disabled.`; logs are owner-only (401 anonymous, 403
for another user) unless the scenario says `"logs": {"public": true}`. The owner is whoever presents
`owner_token` (set by a test at run time; none by default).

Faults per scenario and probe (`runtime`, `info`, `commits`, `build_log`, `run_log`; `status` via
`status_fault`): `{"status": 500}`, `{"status": 429, "retry_after": 1}`, `{"hang": 30}`, `{"malformed": true}`,
`{"endless": true}` (logs: keep-alives forever), each optionally `"times": N` (only the first N requests).
`latency_ms` delays every answer (server-wide and per scenario). `calls` counts requests per (probe, Space).
`revoke_fault = {"status": 500}` makes the revoke endpoint fail until it is set back to None (a Hub outage).

Use it as `async with SandboxHub() as hub:` inside a test's loop, or `with SandboxHub() as hub:` to run it in
a thread of its own (for subprocess tests and the demo).
"""
from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any

from aiohttp import web

from diagnosis.spaceref import subdomain_of
from sandbox.loopback import LoopbackServer

SCENARIO_DIR = Path(__file__).parent / "scenarios"
STATUS_PAGE_DIR = Path(__file__).parent / "status_pages"
STATUS_PATH = "/status/index.json"
COMMITS_PAGE_SIZE = 50
KEEPALIVE_SECONDS = 0.1


def load_scenarios(directory: Path = SCENARIO_DIR) -> dict[str, dict[str, Any]]:
    """Every scenario file, by Space id."""
    scenarios = {}
    for path in sorted(directory.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        scenarios[scenario["id"]] = scenario
    return scenarios


def load_status_page(name: str) -> dict[str, Any]:
    return json.loads((STATUS_PAGE_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class SandboxHub(LoopbackServer):
    def __init__(
        self,
        scenarios: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        status_page: str | Mapping[str, Any] = "operational",
        latency_ms: int = 0,
    ) -> None:
        super().__init__()
        self.scenarios: dict[str, dict[str, Any]] = {
            k: copy.deepcopy(dict(v)) for k, v in (scenarios if scenarios is not None else load_scenarios()).items()
        }
        self.status_document: dict[str, Any] = {}
        self.set_status_page(status_page)
        self.status_fault: dict[str, Any] | None = None
        self.latency_ms = latency_ms
        self.owner_token: str | None = None
        self.calls: Counter[tuple[str, str]] = Counter()
        self.revoked: list[dict[str, Any]] = []  # bodies of POST /api/credentials/revoke, in order
        self.revoke_fault: dict[str, Any] | None = None  # e.g. {"status": 500}: the revoke endpoint is down
        self.revoke_requests_with_auth = 0
        self._served: Counter[tuple[str, str]] = Counter()  # for "times"-limited faults
        self._closing: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- addresses ----

    @property
    def endpoint(self) -> str:
        return self.url

    @property
    def status_url(self) -> str:
        return self.endpoint + STATUS_PATH

    # ---- run-time control (tests, demo) ----

    def set_scenario(self, scenario: Mapping[str, Any]) -> None:
        self.scenarios[scenario["id"]] = copy.deepcopy(dict(scenario))

    def set_fault(self, space_id: str, probe: str, fault: Mapping[str, Any] | None) -> None:
        faults = self.scenarios[space_id].setdefault("faults", {})
        if fault is None:
            faults.pop(probe, None)
        else:
            faults[probe] = dict(fault)
        self._served[(probe, space_id)] = 0

    def set_status_page(self, page: str | Mapping[str, Any]) -> None:
        """A named document from `status_pages/` ("operational", "spaces_incident") or a literal one."""
        self.status_document = load_status_page(page) if isinstance(page, str) else copy.deepcopy(dict(page))

    def reset_calls(self) -> None:
        self.calls.clear()
        self._served.clear()

    # ---- lifecycle ----

    async def start(self) -> SandboxHub:
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_get("/api/spaces", self._list_spaces)
        app.router.add_get("/api/spaces/{owner}/{name}", self._space_info)
        app.router.add_get("/api/spaces/{owner}/{name}/runtime", self._runtime)
        app.router.add_get("/api/spaces/{owner}/{name}/commits/{revision}", self._commits)
        app.router.add_get("/api/spaces/{owner}/{name}/logs/{kind:build|run}", self._logs)
        app.router.add_post("/api/credentials/revoke", self._revoke)
        app.router.add_get(STATUS_PATH, self._status)
        return await self._serve(app, shutdown_timeout=1.0)

    async def close(self) -> None:
        if self._closing is not None:
            self._closing.set()
        await self._stop_serving()

    def __enter__(self) -> SandboxHub:
        """Serve from a thread with its own event loop (for subprocesses and synchronous callers)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self.close())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="sandbox-hub", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()

    # ---- request plumbing ----

    async def _answer_prelude(self, probe: str, space_id: str, scenario: Mapping[str, Any] | None) -> dict | None:
        """Count the call, apply latency, and return the fault to play (if any)."""
        self.calls[(probe, space_id)] += 1
        latency = self.latency_ms + int((scenario or {}).get("latency_ms", 0))
        if latency:
            await asyncio.sleep(latency / 1000)
        fault = (scenario or {}).get("faults", {}).get(probe) if probe != "status" else self.status_fault
        if not fault:
            return None
        slot = (probe, space_id)
        self._served[slot] += 1
        if fault.get("times") is not None and self._served[slot] > int(fault["times"]):
            return None
        return dict(fault)

    async def _play_fault(self, fault: Mapping[str, Any]) -> web.StreamResponse | None:
        """The faulty answer, or None when the fault only delays (hang) or shapes the body (malformed/endless)."""
        if "hang" in fault:
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), float(fault["hang"]))
            return None
        status = fault.get("status")
        if status == 429:
            return web.json_response(
                {"error": "Too Many Requests"}, status=429, headers={"Retry-After": str(fault.get("retry_after", 1))}
            )
        if status:
            return web.json_response({"error": "Internal Error"}, status=int(status))
        return None

    def _access(self, request: web.Request, scenario: Mapping[str, Any] | None) -> web.Response | None:
        """The Hub's refusal for this caller, or None when the Space may be shown."""
        if scenario is None or (scenario.get("private") and not self._is_owner(request)):
            if not request.headers.get("Authorization"):
                return web.json_response(
                    {"error": "Invalid username or password."},
                    status=401,
                    headers={"X-Error-Code": "RepoNotFound", "X-Error-Message": "Invalid username or password."},
                )
            return web.json_response(
                {"error": "Repository not found"},
                status=404,
                headers={"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
            )
        if scenario.get("disabled"):
            return web.json_response(
                {"error": "Access to this resource is disabled."},
                status=403,
                headers={"X-Error-Message": "Access to this resource is disabled."},
            )
        return None

    def _is_owner(self, request: web.Request) -> bool:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return bool(token) and token == self.owner_token

    def _find(self, requested: str) -> tuple[str, dict[str, Any] | None]:
        """The Space's own id and scenario for an id in any letter case (the Hub ignores case)."""
        space_id = next((k for k in self.scenarios if k.lower() == requested.lower()), requested)
        return space_id, self.scenarios.get(space_id)

    async def _guarded(self, request: web.Request, probe: str) -> tuple[str, dict | None, web.StreamResponse | None]:
        space_id, scenario = self._find(f"{request.match_info['owner']}/{request.match_info['name']}")
        fault = await self._answer_prelude(probe, space_id, scenario)
        if fault is not None and (early := await self._play_fault(fault)) is not None:
            return space_id, fault, early
        return space_id, fault, self._access(request, scenario)

    @staticmethod
    def _json(payload: Any, fault: Mapping[str, Any] | None) -> web.Response:
        body = json.dumps(payload)
        if fault and fault.get("malformed"):
            body = body[: max(1, len(body) // 2)]  # cut mid-document, as a dropped proxy connection would
        return web.Response(text=body, content_type="application/json")

    # ---- shapes ----

    def _commit_list(self, space_id: str, scenario: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Commits newest first, dated relative to now so a scenario stays "N minutes ago" forever."""
        now = datetime.now(UTC)
        out = []
        for index, commit in enumerate(scenario.get("commits", [])):
            digest = hashlib.sha1(f"{space_id}:{index}:{commit['title']}".encode()).hexdigest()
            author = commit.get("author", space_id.split("/")[0])
            out.append(
                {
                    "id": digest,
                    "title": commit["title"],
                    "message": commit.get("message", ""),
                    "authors": [{"user": author, "avatar": f"https://example.invalid/avatars/{author}.svg"}],
                    "date": _iso(now - timedelta(minutes=float(commit["minutes_ago"]))),
                }
            )
        return out

    @staticmethod
    def _runtime_payload(scenario: Mapping[str, Any], commits: list[dict[str, Any]]) -> dict[str, Any]:
        runtime = copy.deepcopy(scenario["runtime"])
        running = scenario.get("running_commit")
        if running is not None and commits:
            runtime["sha"] = commits[int(running)]["id"]
        return runtime

    def _info_payload(self, space_id: str, scenario: Mapping[str, Any]) -> dict[str, Any]:
        info = copy.deepcopy(scenario.get("info", {}))
        commits = self._commit_list(space_id, scenario)
        head = commits[0] if commits else None
        info.update(
            {
                "_id": hashlib.sha1(space_id.encode()).hexdigest()[:24],
                "id": space_id,
                "author": space_id.split("/")[0],
                "sha": head["id"] if head else None,
                "lastModified": head["date"] if head else _iso(datetime.now(UTC)),
                "private": bool(scenario.get("private")),
                "disabled": bool(scenario.get("disabled")),
                "subdomain": subdomain_of(space_id),
                "siblings": [{"rfilename": name} for name in scenario.get("files", ["README.md"])],
                "runtime": self._runtime_payload(scenario, commits),
            }
        )
        return info

    # ---- handlers ----

    async def _list_spaces(self, request: web.Request) -> web.StreamResponse:
        self.calls[("search", request.query_string)] += 1
        author = request.query.get("author", "").lower()
        search = request.query.get("search", "").lower()
        limit = int(request.query.get("limit", 1000))
        listed = [
            {"_id": hashlib.sha1(space_id.encode()).hexdigest()[:24], "id": space_id, "likes": 0,
             "private": bool(scenario.get("private")), "sdk": scenario.get("info", {}).get("sdk"), "tags": [],
             "createdAt": _iso(datetime.now(UTC))}
            for space_id, scenario in sorted(self.scenarios.items())
            if (not author or space_id.split("/")[0].lower() == author) and search in space_id.lower()
            and (not scenario.get("private") or self._is_owner(request))
        ]
        return web.json_response(listed[:limit])

    async def _space_info(self, request: web.Request) -> web.StreamResponse:
        space_id, fault, early = await self._guarded(request, "info")
        if early is not None:
            return early
        return self._json(self._info_payload(space_id, self.scenarios[space_id]), fault)

    async def _runtime(self, request: web.Request) -> web.StreamResponse:
        space_id, fault, early = await self._guarded(request, "runtime")
        if early is not None:
            return early
        scenario = self.scenarios[space_id]
        return self._json(self._runtime_payload(scenario, self._commit_list(space_id, scenario)), fault)

    async def _commits(self, request: web.Request) -> web.StreamResponse:
        space_id, fault, early = await self._guarded(request, "commits")
        if early is not None:
            return early
        commits = self._commit_list(space_id, self.scenarios[space_id])
        page = int(request.query.get("p", "0"))
        size = int(request.query.get("limit", COMMITS_PAGE_SIZE))
        chunk = commits[page * size : (page + 1) * size]
        response = self._json(chunk, fault)
        if (page + 1) * size < len(commits):
            next_url = request.url.with_query({"p": str(page + 1), "limit": str(size)})
            response.headers["Link"] = f'<{next_url}>; rel="next"'
        return response

    async def _logs(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        space_id, fault, early = await self._guarded(request, f"{kind}_log")
        if early is not None:
            return early
        logs = self.scenarios[space_id].get("logs", {})
        if not logs.get("public") and not self._is_owner(request):
            status = 403 if request.headers.get("Authorization") else 401
            return web.json_response({"error": "Only the Space's owner can read its logs"}, status=status)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Date": formatdate(usegmt=True)}
        )
        await response.prepare(request)
        with contextlib.suppress(ConnectionResetError):  # the client stopped reading, as a bounded client should
            await self._replay(response, list(logs.get(kind, [])), fault or {})
        return response

    async def _replay(self, response: web.StreamResponse, lines: list[str], fault: Mapping[str, Any]) -> None:
        now = datetime.now(UTC)
        for index, line in enumerate(lines):  # the replay: buffered lines, stamped in the recent past
            stamp = now - timedelta(seconds=len(lines) - index)
            if fault.get("malformed"):
                await response.write(b'data: {"data": "' + line.encode() + b"\n\n")
                continue
            event = {"data": line if line.endswith("\n") else line + "\n", "timestamp": _iso(stamp)}
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
        await response.write(b"data:\n\n")  # keep-alive
        if fault.get("endless"):
            assert self._closing is not None
            while not self._closing.is_set():  # keep-alives only: a client must bound its own read
                await asyncio.sleep(KEEPALIVE_SECONDS)
                await response.write(b"data:\n\n")
            return
        # A live event after the replay, stamped after the Date header: the real client's cue to stop reading.
        await asyncio.sleep(KEEPALIVE_SECONDS)
        live = {"data": "(live) a line logged after the request\n", "timestamp": _iso(now + timedelta(seconds=3))}
        await response.write(f"data: {json.dumps(live)}\n\n".encode())
        await response.write_eof()

    async def _status(self, request: web.Request) -> web.StreamResponse:
        fault = await self._answer_prelude("status", "", None)
        if fault is not None and (early := await self._play_fault(fault)) is not None:
            return early
        return self._json(self.status_document, fault)

    async def _revoke(self, request: web.Request) -> web.StreamResponse:
        self.calls[("revoke", "")] += 1
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        if request.headers.get("Authorization"):
            self.revoke_requests_with_auth += 1
        if self.revoke_fault is not None:
            return web.json_response({"error": "Internal Error"}, status=int(self.revoke_fault.get("status", 500)))
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {"unparsable": await request.text()}
        self.revoked.append(body)
        return web.json_response({}, status=202)

