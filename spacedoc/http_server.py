"""The bot's own HTTP server (aiohttp), started when SPACEDOC_HTTP_PORT is set.

`GET /healthz` answers with one JSON entry per part of the process, e.g. `{"discord": "connected", "store":
"ok", "discourse": "ok"}`: `discord` is connected / disconnected / off, `store` ok / error, `discourse` (only when a
forum is configured) ok / unreachable / starting. The status is 200, or 503 when a *critical* part is down: its
check raised (`Unhealthy` carries the word to show, anything else shows "error") or did not answer within
`check_timeout` ("timeout"). A container runtime restarts the process on 503s (Docker's HEALTHCHECK); a forum
being out of reach is reported but is no reason to restart the bot, so the Discourse check is not critical.

`GET /metrics` is prometheus_client's exposition of the default registry (spacedoc.metrics), in the text format
Prometheus asks for (or OpenMetrics, when its Accept header does).

The parts register themselves: `add_check(name, check, critical=…)` for health, `add_route(method, path,
handler)` for their endpoints (the Discourse webhook). Routes are added before `start()`.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CHECK_TIMEOUT = 5.0  # seconds; a health probe must answer even when the database hangs


class Unhealthy(Exception):
    """Raised by a health check whose part is down; the message is the status shown (e.g. "disconnected")."""


class HttpServer:
    def __init__(self, port: int, *, host: str = "0.0.0.0", check_timeout: float = CHECK_TIMEOUT) -> None:
        """`host` 0.0.0.0 by default: a webhook comes from another machine (and a Docker Space needs it)."""
        self.host = host
        self.port = port  # the bound port once started (0 asks the OS for a free one)
        self.check_timeout = check_timeout
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._checks: dict[str, tuple[HealthCheck, bool]] = {}
        self._runner: web.AppRunner | None = None

    def add_check(self, name: str, check: HealthCheck, *, critical: bool = False) -> None:
        """`critical`: the process is unhealthy (503) while this check fails."""
        self._checks[name] = (check, critical)

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

    async def health(self) -> tuple[dict[str, str], bool]:
        """(each part's status, whether every critical part is up)."""
        report, healthy = {}, True
        for name, (check, critical) in self._checks.items():
            try:
                async with asyncio.timeout(self.check_timeout):
                    report[name] = await check()
                continue
            except Unhealthy as down:
                report[name] = str(down)
            except TimeoutError:
                log.warning("health check %s did not answer within %.1f s", name, self.check_timeout)
                report[name] = "timeout"
            except Exception as exc:  # a failing check is what the report is for, not a reason to fail it
                log.warning("health check %s failed: %s", name, exc)
                report[name] = "error"
            healthy = healthy and not critical
        return report, healthy

    async def _healthz(self, request: web.Request) -> web.Response:
        report, healthy = await self.health()
        return web.json_response(report, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encode(REGISTRY), headers={"Content-Type": content_type})
