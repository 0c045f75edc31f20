"""Serving a sandbox's aiohttp app on a free loopback port (never another address: see the README)."""
from __future__ import annotations

from aiohttp import web


async def serve_on_loopback(app: web.Application, **runner_options: object) -> tuple[web.AppRunner, int]:
    """Starts `app` on 127.0.0.1 at a port the OS picks; returns the runner (to clean up) and the port."""
    runner = web.AppRunner(app, access_log=None, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
