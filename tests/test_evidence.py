"""gather(): concurrent probes, a deadline, progress reports."""
from __future__ import annotations

import pytest

from diagnosis.evidence import CHECKS, gather
from diagnosis.hub import HubClient
from diagnosis.model import Ok, Unavailable
from sandbox.hub import SandboxHub

HEALTHY = "gannet-ml/sentiment-api"
BUILD = "orchid-nlp/summarizer"


@pytest.fixture
async def hub():
    async with SandboxHub() as server:
        yield server


@pytest.fixture
async def client(hub):
    async with HubClient(hub.endpoint, status_url=hub.status_url, backoff_base=0.01) as c:
        yield c


async def test_every_check_reports_once(client):
    seen: list[tuple[str, str]] = []
    evidence = await gather(client, HEALTHY, on_progress=lambda check, status: seen.append((check, status)))
    assert sorted(check for check, _ in seen) == sorted(CHECKS)
    assert dict(seen)["runtime"] == "ok"
    assert dict(seen)["build_log"] == "owner-only"
    assert isinstance(evidence.runtime, Ok) and evidence.runtime.value.stage == "RUNNING"
    assert isinstance(evidence.info, Ok) and isinstance(evidence.commits, Ok) and isinstance(evidence.status, Ok)
    assert evidence.unavailable() == {"build_log": "owner-only", "run_log": "owner-only"}
    assert evidence.space == HEALTHY and evidence.now is not None


async def test_readable_logs_arrive_as_text(client):
    evidence = await gather(client, BUILD)
    assert isinstance(evidence.build_log, Ok)
    assert "--> ERROR: process" in evidence.build_log.value


async def test_deadline_answers_with_what_arrived(client, hub):
    hub.set_fault(HEALTHY, "runtime", {"hang": 30})
    seen: dict[str, str] = {}
    evidence = await gather(client, HEALTHY, deadline=0.5, on_progress=lambda c, s: seen.__setitem__(c, s))
    assert evidence.runtime == Unavailable("no answer within 0.5 s")
    assert seen["runtime"] == "no answer within 0.5 s"
    assert isinstance(evidence.info, Ok) and isinstance(evidence.commits, Ok)


async def test_each_fault_kind_is_named(client, hub):
    hub.set_fault(HEALTHY, "runtime", {"status": 500})
    hub.set_fault(HEALTHY, "info", {"malformed": True})
    hub.set_fault(HEALTHY, "commits", {"status": 429, "retry_after": 30})
    hub.status_fault = {"hang": 30}
    evidence = await gather(client, HEALTHY, deadline=1.5, want_logs=False)
    assert evidence.unavailable() == {
        "runtime": "HTTP 500 after 3 tries",
        "info": "malformed JSON",
        "commits": "rate limited (HTTP 429, retry after 30 s)",
        "status": "no answer within 1.5 s",
    }
    assert evidence.build_log is None and evidence.run_log is None  # not attempted


async def test_async_progress_and_a_failing_callback(client):
    seen: list[str] = []

    async def record(check: str, status: str) -> None:
        seen.append(check)

    await gather(client, HEALTHY, on_progress=record)
    assert len(seen) == len(CHECKS)

    def broken(check: str, status: str) -> None:
        raise RuntimeError("display went away")

    evidence = await gather(client, HEALTHY, on_progress=broken)
    assert isinstance(evidence.runtime, Ok)


async def test_invalid_space_id_is_refused(client):
    with pytest.raises(ValueError):
        await gather(client, "not a space")
