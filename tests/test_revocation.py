"""Leaked HF tokens are revoked in the background: batched, deduplicated, retried, never blocking."""
from __future__ import annotations

import asyncio
import random

import pytest

from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus, Revoker
from tests.secretgen import SecretGen


class RecordingHub:
    """The injected `revoke` call: records each batch, can fail its first calls or hang until released."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.attempts = 0
        self.failures = failures
        self.release = asyncio.Event()
        self.release.set()

    async def revoke(self, tokens: list[str]) -> None:
        self.attempts += 1
        await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("hub unreachable")
        self.batches.append(list(tokens))


def tokens(n: int, seed: int = 0) -> list[str]:
    gen = SecretGen(seed)
    return [gen.sample("huggingface").secret for _ in range(n)]


async def settled(revoker: Revoker, leaked: list[str]) -> RevocationStatus:
    """Wait (bounded) until the worker has finished with these tokens one way or the other."""
    for _ in range(500):
        if (status := revoker.status(leaked)) is not RevocationStatus.PENDING:
            return status
        await asyncio.sleep(0.01)
    return revoker.status(leaked)


def fast(hub: RecordingHub, **kw) -> Revoker:
    return Revoker(hub.revoke, base_delay=0.001, max_delay=0.004, linger=0.001, rng=random.Random(0), **kw)


async def test_submit_returns_at_once_and_a_burst_shares_one_request() -> None:
    hub = RecordingHub()
    hub.release.clear()
    revoker = fast(hub)
    leaked = tokens(3)
    assert revoker.submit(leaked[:2]) is RevocationStatus.PENDING
    assert revoker.submit(leaked[2:]) is RevocationStatus.PENDING
    assert hub.batches == []  # nothing was sent while we were submitting
    hub.release.set()
    await revoker.aclose()
    assert hub.batches == [leaked]
    assert revoker.status(leaked) is RevocationStatus.REVOKED


async def test_tokens_are_sent_once() -> None:
    hub = RecordingHub()
    revoker = fast(hub)
    leaked = tokens(2)
    revoker.submit([leaked[0], leaked[0], leaked[1]])
    assert await settled(revoker, leaked) is RevocationStatus.REVOKED
    assert revoker.submit(leaked) is RevocationStatus.REVOKED  # already done: not queued again
    await revoker.aclose()
    assert hub.batches == [leaked]
    assert revoker.revoked_count == 2


async def test_batches_respect_the_size_limit() -> None:
    hub = RecordingHub()
    revoker = fast(hub, batch_size=2)
    leaked = tokens(5)
    revoker.submit(leaked)
    await revoker.aclose()
    assert hub.batches == [leaked[0:2], leaked[2:4], leaked[4:5]]


async def test_a_failing_hub_is_retried_with_backoff() -> None:
    hub = RecordingHub(failures=2)
    revoker = fast(hub, max_attempts=3)
    leaked = tokens(1)
    revoker.submit(leaked)
    await revoker.aclose()
    assert hub.attempts == 3
    assert hub.batches == [leaked]
    assert revoker.status(leaked) is RevocationStatus.REVOKED


async def test_it_gives_up_after_the_last_attempt_and_a_later_paste_retries(caplog) -> None:
    hub = RecordingHub(failures=10)
    revoker = fast(hub, max_attempts=2)
    leaked = tokens(1)
    revoker.submit(leaked)
    assert await settled(revoker, leaked) is RevocationStatus.FAILED
    assert hub.attempts == 2
    assert leaked[0] not in caplog.text and "ConnectionError" in caplog.text
    hub.failures = 0
    assert revoker.submit(leaked) is RevocationStatus.PENDING
    await revoker.aclose()
    assert revoker.status(leaked) is RevocationStatus.REVOKED


async def test_close_gives_up_on_a_hung_hub_within_its_timeout() -> None:
    hub = RecordingHub()
    hub.release.clear()
    revoker = fast(hub)
    leaked = tokens(2)
    revoker.submit(leaked)
    await revoker.aclose(timeout=0.05)
    assert revoker.status(leaked) is RevocationStatus.FAILED
    with pytest.raises(RuntimeError):
        revoker.submit(leaked)


def test_backoff_grows_and_stays_jittered_within_bounds() -> None:
    revoker = Revoker(RecordingHub().revoke, base_delay=1.0, max_delay=8.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 8.0)]:
        delays = {revoker._backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


async def test_tokens_reach_the_sandbox_hub_through_the_real_client(sandbox_hub) -> None:
    from diagnosis.hub import HubClient

    gen = SecretGen(31)
    leaked = [gen.sample(k).secret for k in ("huggingface", "huggingface_oauth", "huggingface_org")]
    pasted = f"curl -H 'Authorization: Bearer {leaked[0]}' ... also {leaked[1]} and {leaked[2]} and {leaked[0]}"
    async with HubClient(sandbox_hub.endpoint, token=False) as client:
        revoker = Revoker(client.revoke_credentials, linger=0.01)
        revoker.submit(redact(pasted).hf_tokens())
        await revoker.aclose()
    assert sandbox_hub.revoked == [{"credentials": leaked}]
    assert sandbox_hub.revoke_requests_with_auth == 0
