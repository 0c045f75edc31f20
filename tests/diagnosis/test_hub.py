"""HubClient over the sandbox Hub: the real huggingface_hub error mapping and parsing over real sockets."""
from __future__ import annotations

import asyncio
import gc
import json
import random
import socket
import string
from datetime import UTC, datetime, timedelta

import pytest

from diagnosis.hub import HubClient, HubUnreachable, ProbeFailed
from diagnosis.spaceref import subdomain_candidates
from sandbox.hub import SCENARIO_DIR

MODERATED = "kestrel-labs/vnc-desktop"
STUCK = "marlin-ai/chat-ui-stack"
BUILD = "orchid-nlp/summarizer"
PORT = "puffin-tools/fastapi-ocr"
SLEEPY = "finch-edu/quiz-maker"
PRIVATE = "plover-corp/internal-dashboard"
DISABLED = "snipe-archive/old-demo"
HEALTHY = "gannet-ml/sentiment-api"


def synthetic_token(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(37))


async def test_runtime_keeps_error_message_abuse_and_running_sha(hub_client, sandbox_hub):
    runtime = await hub_client.runtime(MODERATED)
    commits = await hub_client.commits(MODERATED)
    assert runtime.stage == "PAUSED"
    assert runtime.error_message == "Flagged as abusive"
    assert runtime.abuse["detector"] == "abuse-handler"
    assert runtime.requested_hardware == "cpu-basic" and runtime.hardware is None
    assert runtime.sha == commits[sandbox_hub.scenarios[MODERATED]["running_commit"]].id
    assert runtime.raw["abuse"]["reason"].startswith("Blocked by abuse-handler")


async def test_unknown_stage_passes_through(hub_client):
    assert (await hub_client.runtime(SLEEPY)).stage == "SLEEPING"


async def test_space_info_card_files_and_head(hub_client):
    info = await hub_client.space_info(PORT)
    assert info.sdk == "docker"
    assert info.card_data["app_port"] == 8080
    assert "Dockerfile" in info.files
    assert info.subdomain == "puffin-tools-fastapi-ocr"
    assert not info.disabled


async def test_commits_newest_first_dated_relative_to_now(hub_client):
    commits = await hub_client.commits(STUCK, limit=7)
    assert len(commits) == 7
    assert [c.created_at for c in commits] == sorted((c.created_at for c in commits), reverse=True)
    assert datetime.now(UTC) - commits[0].created_at < timedelta(minutes=10)


async def test_private_and_missing_look_the_same_anonymously(hub_client):
    for space in (PRIVATE, "nobody-here/never-existed"):
        for probe in (hub_client.runtime, hub_client.space_info, hub_client.commits):
            with pytest.raises(ProbeFailed, match="^not found, or private$"):
                await probe(space)


async def test_another_users_token_gets_404_mapped_the_same(sandbox_hub):
    sandbox_hub.owner_token = synthetic_token(1)
    async with HubClient(sandbox_hub.endpoint, token=synthetic_token(2)) as stranger:
        with pytest.raises(ProbeFailed, match="not found, or private"):
            await stranger.runtime(PRIVATE)
        with pytest.raises(ProbeFailed, match="owner-only"):
            await stranger.logs(HEALTHY, build=False)


async def test_owner_token_sees_private_space_and_its_logs(sandbox_hub):
    sandbox_hub.owner_token = synthetic_token(3)
    async with HubClient(sandbox_hub.endpoint, token=sandbox_hub.owner_token) as owner:
        assert (await owner.runtime(PRIVATE)).error_message == "Memory limit exceeded (16Gi)"
        assert "Memory limit exceeded (16Gi)" in await owner.logs(PRIVATE, build=False)


async def test_disabled_space(hub_client):
    with pytest.raises(ProbeFailed, match="^disabled$"):
        await hub_client.runtime(DISABLED)
    with pytest.raises(ProbeFailed, match="^disabled$"):
        await hub_client.logs(DISABLED, build=True)


async def test_logs_are_owner_only_anonymously(hub_client):
    with pytest.raises(ProbeFailed, match="^owner-only$"):
        await hub_client.logs(MODERATED, build=True)


async def test_public_build_log_replay_stops_at_the_servers_date(hub_client):
    text = await hub_client.logs(BUILD, build=True)
    assert text.startswith("===== Build Queued at")
    assert "did not complete successfully: exit code: 1\n" in text
    assert "(live)" not in text  # stamped after Date + 1 s: not part of the replay


async def test_log_tail_is_bounded(hub_client):
    text = await hub_client.logs(BUILD, build=True, max_lines=3)
    assert len(text.splitlines()) == 3
    assert text.rstrip().endswith("exit code: 1")


async def test_endless_keepalive_stream_is_bounded(hub_client, sandbox_hub):
    sandbox_hub.set_fault(PORT, "run_log", {"endless": True})
    text = await hub_client.logs(PORT, build=False, max_seconds=1.0, idle_seconds=0.3)
    assert "Uvicorn running on http://0.0.0.0:7860" in text


async def test_retries_5xx_then_succeeds(hub_client, sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"status": 500, "times": 2})
    assert (await hub_client.runtime(HEALTHY)).stage == "RUNNING"
    assert sandbox_hub.calls[("runtime", HEALTHY)] == 3


async def test_persistent_5xx_is_reported_with_tries(hub_client, sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "info", {"status": 503})
    with pytest.raises(ProbeFailed, match="^HTTP 503 after 3 tries$"):
        await hub_client.space_info(HEALTHY)
    assert sandbox_hub.calls[("info", HEALTHY)] == 3


async def test_429_waits_for_retry_after(sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "commits", {"status": 429, "retry_after": 1, "times": 1})
    waits: list[tuple[float, int]] = []  # (seconds, requests the Hub had seen then)

    async def sleep(seconds: float) -> None:
        waits.append((seconds, sandbox_hub.calls[("commits", HEALTHY)]))

    async with HubClient(sandbox_hub.endpoint, sleep=sleep) as client:
        assert await client.commits(HEALTHY)
    assert waits == [(1.0, 1)]  # the second request only after the wait the server asked for
    assert sandbox_hub.calls[("commits", HEALTHY)] == 2


async def test_429_beyond_the_budget_gives_up(sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"status": 429, "retry_after": 60})
    async with HubClient(sandbox_hub.endpoint, timeouts={"runtime": 2.0}) as c:
        with pytest.raises(ProbeFailed, match=r"rate limited \(HTTP 429, retry after 60 s\)"):
            await c.runtime(HEALTHY)
    assert sandbox_hub.calls[("runtime", HEALTHY)] == 1


async def test_hanging_server_times_out(sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"hang": 30})
    async with HubClient(sandbox_hub.endpoint, timeouts={"runtime": 0.5}) as c:
        with pytest.raises(ProbeFailed, match=r"^timed out after 0\.5 s$"):
            await c.runtime(HEALTHY)


async def test_malformed_json(hub_client, sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"malformed": True})
    with pytest.raises(ProbeFailed, match="^malformed JSON$"):
        await hub_client.runtime(HEALTHY)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_nothing_listening_is_hub_unreachable():
    async with HubClient(f"http://127.0.0.1:{_closed_port()}", backoff_base=0.01) as c:
        with pytest.raises(HubUnreachable, match="connection refused"):
            await c.runtime(HEALTHY)
        assert isinstance(c.unreachable, HubUnreachable)


async def test_ttl_cache_serves_repeats(hub_client, sandbox_hub):
    for _ in range(5):
        await hub_client.runtime(HEALTHY)
        await hub_client.space_info(HEALTHY)
    assert sandbox_hub.calls[("runtime", HEALTHY)] == 1
    assert sandbox_hub.calls[("info", HEALTHY)] == 1


async def test_expired_entries_are_fetched_again(sandbox_hub):
    async with HubClient(sandbox_hub.endpoint, ttl={"runtime": 0.0}) as c:
        await c.runtime(HEALTHY)
        await c.runtime(HEALTHY)
    assert sandbox_hub.calls[("runtime", HEALTHY)] == 2


async def test_single_flight_for_concurrent_askers(hub_client, sandbox_hub):
    sandbox_hub.latency_ms = 100
    results = await asyncio.gather(*(hub_client.runtime(STUCK) for _ in range(25)))
    assert {r.stage for r in results} == {"PAUSED"}
    assert sandbox_hub.calls[("runtime", STUCK)] == 1


async def test_definitive_refusals_are_cached_transient_failures_are_not(hub_client, sandbox_hub):
    for _ in range(3):
        with pytest.raises(ProbeFailed):
            await hub_client.logs(MODERATED, build=False)
    assert sandbox_hub.calls[("run_log", MODERATED)] == 1
    sandbox_hub.set_fault(HEALTHY, "runtime", {"status": 500, "times": 3})
    with pytest.raises(ProbeFailed):
        await hub_client.runtime(HEALTHY)
    assert (await hub_client.runtime(HEALTHY)).stage == "RUNNING"


def live_probe_failures() -> int:
    gc.collect()
    return sum(isinstance(o, ProbeFailed) for o in gc.get_objects())


async def test_failed_lookups_are_cached_as_outcomes_not_exceptions(hub_client, sandbox_hub):
    """A refusal is remembered as its reason: caching the exception kept its traceback, its chained
    huggingface_hub error and the HTTP response alive for every Space that was not found."""
    missing = [f"nobody-{i}/gone-{i}" for i in range(100)]
    before = live_probe_failures()
    for space in missing:
        try:
            await hub_client.space_info(space)
        except ProbeFailed as failure:
            assert failure.reason == "not found, or private"
    assert live_probe_failures() - before < 5  # was 100: one per cached refusal
    with pytest.raises(ProbeFailed, match="not found, or private") as again:
        await hub_client.space_info(missing[0])  # still answered from the cache…
    assert again.value.definitive and sandbox_hub.calls[("info", missing[0])] == 1  # …without asking again


async def test_status_page_states(hub_client, sandbox_hub):
    calm = await hub_client.status_page()
    assert calm.aggregate_state == "operational"
    assert calm.degraded == () and calm.open_reports == ()  # the resolved report is not open
    sandbox_hub.set_status_page("spaces_incident")
    async with HubClient(sandbox_hub.endpoint, status_url=sandbox_hub.status_url) as fresh:
        page = await fresh.status_page()
    assert page.aggregate_state == "degraded"
    assert ("Spaces Proxy", "degraded") in page.degraded
    assert page.open_reports == (("Spaces returning 503 errors", "investigating"),)


async def test_status_page_malformed(hub_client, sandbox_hub):
    sandbox_hub.status_fault = {"malformed": True}
    with pytest.raises(ProbeFailed, match="malformed JSON"):
        await hub_client.status_page()


async def test_resolve_subdomain_picks_the_existing_reading(hub_client):
    assert await hub_client.resolve_subdomain(["marlin/ai-chat-ui-stack", STUCK, "marlin-ai-chat/ui-stack"]) == STUCK
    assert await hub_client.resolve_subdomain(["nobody/here", "nobody-here/x"]) is None


@pytest.mark.parametrize("real_id, subdomain", [
    ("Alice/My-Cool-App", "alice-my-cool-app"),  # the Hub matches ids in any case and answers with its own
    ("alice/my_cool.app", "alice-my-cool-app"),  # `_` and `.` show as `-`: found by searching alice's Spaces
    ("Libre_Chat/Libre.Chat", "libre-chat-libre-chat"),  # the owner's name has one too
])
async def test_resolve_subdomain_finds_the_space_as_the_hub_spells_it(hub_client, sandbox_hub, real_id, subdomain):
    healthy = json.loads((SCENARIO_DIR / "healthy_running.json").read_text(encoding="utf-8"))
    sandbox_hub.set_scenario({**healthy, "id": real_id})
    sandbox_hub.set_scenario({**healthy, "id": "alice/my-cool-app-v2"})  # a near miss served elsewhere
    assert await hub_client.resolve_subdomain(subdomain_candidates(subdomain)) == real_id


async def test_revoke_sends_tokens_in_the_body_only(sandbox_hub):
    tokens = [synthetic_token(10), synthetic_token(11)]
    async with HubClient(sandbox_hub.endpoint, token=synthetic_token(12)) as c:
        await c.revoke_credentials(tokens)
        await c.revoke_credentials([])
    assert sandbox_hub.revoked == [{"credentials": tokens}]
    assert sandbox_hub.revoke_requests_with_auth == 0


async def test_invalid_ids_never_reach_a_url(hub_client, sandbox_hub):
    for bad in ("../../api/whoami", "a/b/c", "owner/na me", "http://evil.example/x", "-x/y"):
        with pytest.raises(ValueError):
            await hub_client.runtime(bad)
    assert sum(sandbox_hub.calls.values()) == 0
