"""The bot's own HTTP server (aiohttp), started when SPACEDOC_HTTP_PORT is set.

`GET /healthz` answers 200 with one JSON entry per part of the process, e.g. `{"discord": "connected", "store":
"ok", "discourse": "ok"}`: `discord` is connected / disconnected / off, `store` ok / error, `discourse` (only when a
forum is configured) ok / unreachable / starting. The parts register themselves: `add_check(name, check)` for
health, `add_route(method, path, handler)` for their endpoints (the Discourse webhook; later `/metrics`). Routes are
added before `start()`.
"""
from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    def __init__(self, port: int, *, host: str = "0.0.0.0") -> None:
        """`host` 0.0.0.0 by default: a webhook comes from another machine (and a Docker Space needs it)."""
        self.host = host
        self.port = port  # the bound port once started (0 asks the OS for a free one)
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self._checks: dict[str, HealthCheck] = {}
        self._runner: web.AppRunner | None = None

    def add_check(self, name: str, check: HealthCheck) -> None:
        self._checks[name] = check

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        self.app.router.add_route(method, path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self) -> dict[str, str]:
        report = {}
        for name, check in self._checks.items():
            try:
                report[name] = await check()
            except Exception as exc:  # a failing check is what the report is for, not a reason to fail it
                log.warning("health check %s failed: %s", name, exc)
                report[name] = "error"
        return report

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response(await self.health())
