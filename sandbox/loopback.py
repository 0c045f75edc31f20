"""Serving a sandbox's aiohttp app on a free loopback port (never another address: see the README)."""
from __future__ import annotations

from typing import Self

from aiohttp import web


async def serve_on_loopback(app: web.Application, **runner_options: object) -> tuple[web.AppRunner, int]:
    """Starts `app` on 127.0.0.1 at a port the OS picks; returns the runner (to clean up) and the port."""
    runner = web.AppRunner(app, access_log=None, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


class LoopbackServer:
    """A stand-in served on loopback: `async with Stand() as s:` starts it (`start`, which builds its app and calls
    `_serve`), `s.url` reaches it, and leaving the block closes it (`close`, ending with `_stop_serving`)."""

    def __init__(self) -> None:
        self.port = 0  # the port it listens on once started
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Self:
        raise NotImplementedError

    async def close(self) -> None:
        await self._stop_serving()

    async def _serve(self, app: web.Application, **runner_options: object) -> Self:
        self._runner, self.port = await serve_on_loopback(app, **runner_options)
        return self

    async def _stop_serving(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
