"""gather(): concurrent probes, a deadline, progress reports."""
from __future__ import annotations

import pytest

from diagnosis.evidence import gather
from diagnosis.model import Ok, Unavailable

CHECKS = ("runtime", "info", "commits", "build_log", "run_log", "status")  # the names progress reports use

HEALTHY = "gannet-ml/sentiment-api"
BUILD = "orchid-nlp/summarizer"


async def test_every_check_reports_once(hub_client):
    seen: list[tuple[str, str]] = []
    evidence = await gather(hub_client, HEALTHY, on_progress=lambda check, status: seen.append((check, status)))
    assert sorted(check for check, _ in seen) == sorted(CHECKS)
    assert dict(seen)["runtime"] == "ok"
    assert dict(seen)["build_log"] == "owner-only"
    assert isinstance(evidence.runtime, Ok) and evidence.runtime.value.stage == "RUNNING"
    assert isinstance(evidence.info, Ok) and isinstance(evidence.commits, Ok) and isinstance(evidence.status, Ok)
    assert evidence.unavailable() == {"build_log": "owner-only", "run_log": "owner-only"}
    assert evidence.space == HEALTHY and evidence.now is not None


async def test_readable_logs_arrive_as_text(hub_client):
    evidence = await gather(hub_client, BUILD)
    assert isinstance(evidence.build_log, Ok)
    assert "--> ERROR: process" in evidence.build_log.value


async def test_deadline_answers_with_what_arrived(hub_client, sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"hang": 30})
    seen: dict[str, str] = {}
    evidence = await gather(hub_client, HEALTHY, deadline=0.2, on_progress=lambda c, s: seen.__setitem__(c, s))
    assert evidence.runtime == Unavailable("no answer within 0.2 s")
    assert seen["runtime"] == "no answer within 0.2 s"
    assert isinstance(evidence.info, Ok) and isinstance(evidence.commits, Ok)


async def test_each_fault_kind_is_named(hub_client, sandbox_hub):
    sandbox_hub.set_fault(HEALTHY, "runtime", {"status": 500})
    sandbox_hub.set_fault(HEALTHY, "info", {"malformed": True})
    sandbox_hub.set_fault(HEALTHY, "commits", {"status": 429, "retry_after": 30})
    sandbox_hub.status_fault = {"hang": 30}
    evidence = await gather(hub_client, HEALTHY, deadline=0.5, want_logs=False)
    assert evidence.unavailable() == {
        "runtime": "HTTP 500 after 3 tries",
        "info": "malformed JSON",
        "commits": "rate limited (HTTP 429, retry after 30 s)",
        "status": "no answer within 0.5 s",
    }
    assert evidence.build_log is None and evidence.run_log is None  # not attempted


async def test_async_progress_and_a_failing_callback(hub_client):
    seen: list[str] = []

    async def record(check: str, status: str) -> None:
        seen.append(check)

    await gather(hub_client, HEALTHY, on_progress=record)
    assert len(seen) == len(CHECKS)

    def broken(check: str, status: str) -> None:
        raise RuntimeError("display went away")

    evidence = await gather(hub_client, HEALTHY, on_progress=broken)
    assert isinstance(evidence.runtime, Ok)


async def test_invalid_space_id_is_refused(hub_client):
    with pytest.raises(ValueError):
        await gather(hub_client, "not a space")
