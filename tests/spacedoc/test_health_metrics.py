"""Operating the bot: `GET /healthz` (200 / 503 per part), `GET /metrics` (Prometheus text), and the Hub client's
probe callback the metrics are built on.

The health tests run the real process parts (`spacedoc.service.Service`) against the sandbox Discord, with an
injected clock for the grace period, and a real PostgreSQL server reached through a TCP relay the test can cut.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from diagnosis.hub import HubClient, ProbeFailed
from sandbox.discord_server import DiscordSandbox
from sandbox.harness import BotHarness
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc.http_server import HttpServer, Unhealthy
from spacedoc.metrics import claim_retried
from spacedoc.service import Service
from spacedoc.store import open_store
from tests.helpers import PAUSED_SPACE, ROOT, FakeClock, work_in_progress

GRACE = 60.0


async def get(port: int, path: str, accept: str | None = None) -> tuple[int, str, str]:
    headers = {"Accept": accept} if accept else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}", headers=headers) as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def healthz(port: int) -> tuple[int, dict[str, str]]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status, await response.json()


# ---- the HTTP server on its own --------------------------------------------------------------------------------


async def test_healthz_is_503_only_while_a_critical_part_is_down() -> None:
    server = HttpServer(0, host="127.0.0.1", check_timeout=0.05)
    state = {"discord": "connected", "store_fails": False}

    async def discord() -> str:
        if state["discord"] != "connected":
            raise Unhealthy(state["discord"])
        return "connected"

    async def store() -> str:
        if state["store_fails"]:
            raise ConnectionRefusedError("database unreachable")
        return "ok"

    async def forum() -> str:
        raise RuntimeError("forum down")

    server.add_check("discord", discord, critical=True)
    server.add_check("store", store, critical=True)
    server.add_check("discourse", forum)
    await server.start()
    try:
        assert await healthz(server.port) == (200, {"discord": "connected", "store": "ok", "discourse": "error"})
        state["discord"] = "disconnected"
        assert await healthz(server.port) == (503, {"discord": "disconnected", "store": "ok", "discourse": "error"})
        state["discord"], state["store_fails"] = "connected", True
        assert await healthz(server.port) == (503, {"discord": "connected", "store": "error", "discourse": "error"})
    finally:
        await server.close()


async def test_a_check_that_hangs_is_a_timeout_not_a_hung_probe() -> None:
    server = HttpServer(0, host="127.0.0.1", check_timeout=0.05)

    async def hangs() -> str:
        await asyncio.Event().wait()
        return "never"

    server.add_check("store", hangs, critical=True)
    await server.start()
    try:
        assert await healthz(server.port) == (503, {"store": "timeout"})
    finally:
        await server.close()


async def test_metrics_are_prometheus_text_or_openmetrics_on_request() -> None:
    server = HttpServer(0, host="127.0.0.1")
    await server.start()
    try:
        status, content_type, text = await get(server.port, "/metrics")
        assert status == 200 and content_type.startswith("text/plain") and "version=" in content_type
        names = {family.name for family in text_string_to_metric_families(text)}
        assert {"spacedoc_diagnoses", "spacedoc_hub_probe_seconds", "spacedoc_hub_probe_failures",
                "spacedoc_replies_sent", "spacedoc_gate_decisions", "spacedoc_secrets_found", "spacedoc_revocations",
                "spacedoc_claim_retries", "spacedoc_work_in_progress", "process_resident_memory_bytes"} <= names
        _, open_metrics, body = await get(server.port, "/metrics", accept="application/openmetrics-text")
        assert open_metrics.startswith("application/openmetrics-text") and body.rstrip().endswith("# EOF")
    finally:
        await server.close()


# ---- the service: Discord's grace period and an unreachable store ----------------------------------------------


class Relay:
    """A TCP relay on loopback to `target`; `cut()` drops every connection and refuses new ones until `restore()`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()
                self._writers.discard(sink)

        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))


@pytest.fixture
async def sandboxes() -> AsyncIterator[tuple[DiscordSandbox, SandboxHub]]:
    async with DiscordSandbox() as discord, SandboxHub() as hub:
        yield discord, hub


async def start_service(discord: DiscordSandbox, hub: SandboxHub, db: str, clock: FakeClock) -> Service:
    config = dataclasses.replace(BotHarness(db, discord=discord, hub=hub).config, http_port=0)
    service = Service(config, http_host="127.0.0.1", guild_ready_timeout=0.01, discord_grace=GRACE, clock=clock)
    try:
        await service.start()
        assert service.bot is not None
        await asyncio.wait_for(service.bot.wait_until_ready(), 10)
    except BaseException:
        await service.close()
        raise
    return service


async def test_healthz_turns_503_once_discord_is_gone_past_the_grace_period(sandboxes, tmp_path: Path) -> None:
    discord, hub = sandboxes
    clock = FakeClock()
    service = await start_service(discord, hub, str(tmp_path / "spacedoc.sqlite3"), clock)
    try:
        assert service.http is not None
        port = service.http.port
        assert await healthz(port) == (200, {"discord": "connected", "store": "ok"})
        await discord.close()  # Discord goes away and refuses every reconnect
        await discord.wait_for(lambda: service.bot.connection() == "disconnected", timeout=10)
        clock.advance(GRACE - 1)
        assert await healthz(port) == (200, {"discord": "disconnected", "store": "ok"})  # reconnecting: normal
        clock.advance(2)
        assert await healthz(port) == (503, {"discord": "disconnected", "store": "ok"})
    finally:
        await service.close()


async def test_healthz_is_503_while_postgresql_is_unreachable(sandboxes, pg_url: str) -> None:
    discord, hub = sandboxes
    url = urlsplit(pg_url)
    relay = Relay(url.hostname or "127.0.0.1", url.port or 5432)
    await relay.restore()
    credentials = url.netloc.rpartition("@")[0]
    relayed = url._replace(netloc=f"{credentials}{'@' if credentials else ''}127.0.0.1:{relay.port}").geturl()
    service = await start_service(discord, hub, relayed, FakeClock())
    try:
        assert service.http is not None
        port = service.http.port
        assert await healthz(port) == (200, {"discord": "connected", "store": "ok"})
        await relay.cut()
        assert await healthz(port) == (503, {"discord": "connected", "store": "error"})
        await relay.restore()
        assert await healthz(port) == (200, {"discord": "connected", "store": "ok"})
    finally:
        await service.close()
        await relay.cut()


# ---- the metrics, counted where things happen ------------------------------------------------------------------


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_what_the_bot_did_without_ids_or_secrets_in_labels(harness: BotHarness) -> None:
    h, d = harness, harness.discord
    await h.stop_bot()
    await h.start_bot(dataclasses.replace(h.config, http_port=0))
    port = h.service.http.port
    await h.configure(help_channels=frozenset({d.help_channel}))
    before = samples((await get(port, "/metrics"))[2])

    alice = d.add_user("alice")
    await h.ask(d.general, alice, f"{h.mention()} my Space https://huggingface.co/spaces/{PAUSED_SPACE} is PAUSED")
    await h.ask(d.general, alice, f"{h.mention()} https://huggingface.co/spaces/nobody-here/nothing-here is down")
    await d.post(d.help_channel, alice, "lol")  # too short for an auto-reply
    token = SecretGen(seed=7).sample("huggingface").secret
    await h.ask(d.general, alice, f"my token is {token}, is that bad?")
    await d.wait_for(lambda: any(token in body.get("credentials", []) for body in h.hub.revoked))
    await h.idle()
    text = (await get(port, "/metrics"))[2]
    after = samples(text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("spacedoc_diagnoses_total", bucket="lifecycle_stuck") == 1
    assert delta("spacedoc_replies_sent_total", platform="discord", kind="verdict") == 2
    assert delta("spacedoc_replies_sent_total", platform="discord", kind="leak_warning") == 1
    assert delta("spacedoc_gate_decisions_total", platform="discord", reason="too_short") == 1
    assert delta("spacedoc_gate_decisions_total", platform="discord", reason="not_help_channel") == 1
    assert delta("spacedoc_secrets_found_total", platform="discord", kind="huggingface") == 1
    assert delta("spacedoc_revocations_total", outcome="accepted") == 1
    assert delta("spacedoc_hub_probe_seconds_count", probe="runtime") >= 2
    assert delta("spacedoc_hub_probe_seconds_count", probe="revoke") == 1
    assert delta("spacedoc_hub_probe_failures_total", probe="runtime", reason="refused") >= 1  # the unknown Space
    assert value(after, "process_resident_memory_bytes") > 0

    label_values = {v for (_, labels) in after for _, v in labels}
    for leaked in (PAUSED_SPACE, "nobody-here", token, token[3:], alice["id"], str(d.general), str(d.guild_id)):
        assert not any(leaked in v for v in label_values), leaked
    assert not any(re.fullmatch(r"\d{6,}", v) for v in label_values)  # no snowflake of any kind
    assert token[3:] not in text


async def test_claims_taken_again_after_an_expired_lease_are_counted(tmp_path: Path) -> None:
    clock = FakeClock()
    crashed = await open_store(str(tmp_path / "spacedoc.sqlite3"), lease_seconds=30, clock=clock)
    survivor = await open_store(str(tmp_path / "spacedoc.sqlite3"), lease_seconds=30, clock=clock)
    def retries() -> float | None:
        return REGISTRY.get_sample_value("spacedoc_claim_retries_total", {"work": "answer"})

    try:
        before = retries()
        assert await crashed.claim("answer:msg:1")
        assert not await survivor.claim("answer:msg:1")  # a live lease: not a retry
        assert retries() == before
        clock.advance(31)
        assert await survivor.claim("answer:msg:1")
        assert retries() == before + 1
    finally:
        await crashed.close()
        await survivor.close()


# ---- the Hub client's callback (diagnosis/ stays free of prometheus) -------------------------------------------


async def test_the_hub_client_reports_each_request_it_sends(sandbox_hub: SandboxHub) -> None:
    calls: list[tuple[str, float, ProbeFailed | None]] = []
    async with HubClient(sandbox_hub.endpoint, status_url=sandbox_hub.status_url, backoff_base=0.01,
                         on_probe=lambda *call: calls.append(call)) as client:
        await client.runtime(PAUSED_SPACE)
        await client.runtime(PAUSED_SPACE)  # cached: no request, no report
        with pytest.raises(ProbeFailed):
            await client.runtime("nobody-here/nothing-here")
        await client.revoke_credentials([SecretGen(seed=3).sample("huggingface").secret])
    assert [(probe, failure is None) for probe, _, failure in calls] == [
        ("runtime", True), ("runtime", False), ("revoke", True)]
    assert calls[1][2] is not None and calls[1][2].definitive


def test_diagnosis_never_imports_prometheus() -> None:
    import subprocess
    import sys

    root = ROOT
    code = "import sys, diagnosis.cli, diagnosis.pipeline, diagnosis.hub; print('prometheus_client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "False"


async def test_work_in_progress_counts_an_event_until_its_answer_is_sent(harness: BotHarness) -> None:
    """What a test waits for before it asserts silence on a `python bot.py` it cannot look into (tests/e2e)."""
    h, d = harness, harness.discord
    await h.stop_bot()
    await h.start_bot(dataclasses.replace(h.config, http_port=0))
    port = h.service.http.port
    h.hub.latency_ms = 300
    asked = await d.post(d.general, d.add_user("alice"), f"{h.mention()} https://huggingface.co/spaces/{PAUSED_SPACE}")
    await d.wait_for(lambda: any(r.path == f"/channels/{d.general}/typing" for r in d.requests))  # diagnosing
    assert await work_in_progress(port) >= 1 and not d.bot_messages(d.general)
    await h.idle()
    assert d.bot_messages(d.general)[0]["message_reference"]["message_id"] == asked["id"]
    assert await work_in_progress(port) == 0


@pytest.mark.parametrize("key", ["answer:msg:1", "interaction:2", "leak:msg:3:0a1b", "leak:thread:4:0a1b",
                                 "escalate:msg:5", "discourse:topic:6:answer"])
def test_every_kind_of_claimed_work_has_its_own_retry_count(key: str) -> None:
    """The claim keys the bot uses (cogs, views, forum units): none is counted as "other"."""
    work = key.split(":", 1)[0]
    before = REGISTRY.get_sample_value("spacedoc_claim_retries_total", {"work": work}) or 0.0
    claim_retried(key)
    assert REGISTRY.get_sample_value("spacedoc_claim_retries_total", {"work": work}) == before + 1
