"""Leaked HF tokens are revoked durably (spacedoc.revocations over a real store): recorded first, sent in one request
per round, retried with jittered backoff across Hub outages and restarts, given up after a bounded time, and the
person told the outcome — "revoked" only once the Hub accepted it. Time is an injected clock; no test sleeps."""
from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from sandbox.secretgen import SecretGen
from spacedoc.revocations import Revocations, backoff, outcome, revocation_key
from spacedoc.store import PendingRevocation, Store, open_store
from tests.helpers import FakeClock

LEASE = 30.0
GIVE_UP = 600.0


class RecordingHub:
    """The injected `revoke` call: records each request; `down` makes it fail like a Hub outage."""

    def __init__(self) -> None:
        self.requests: list[list[str]] = []
        self.down = False

    async def revoke(self, tokens: list[str]) -> None:
        if self.down:
            raise ConnectionError("hub unreachable")
        self.requests.append(list(tokens))


class Teller:
    """How the person is told: records each outcome; `ready` False stands for "the warning is not posted yet"."""

    def __init__(self) -> None:
        self.told: list[tuple[str, RevocationStatus]] = []
        self.ready = True

    async def __call__(self, row: PendingRevocation) -> bool:
        if not self.ready:
            return False
        self.told.append((row.notify["user"], outcome(row)))
        return True


def tokens(n: int, seed: int = 0) -> list[str]:
    gen = SecretGen(seed)
    return [gen.sample("huggingface").secret for _ in range(n)]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "revocations.sqlite3")


@pytest.fixture
async def store(db: str, clock: FakeClock) -> AsyncIterator[Store]:
    opened = await open_store(db, lease_seconds=LEASE, clock=clock)
    yield opened
    await opened.close()


def worker(store: Store, hub: RecordingHub, clock: FakeClock, teller: Teller) -> Revocations:
    revocations = Revocations(store, hub.revoke, give_up_after=GIVE_UP, clock=clock, rng=random.Random(0))
    revocations.teller("discord", teller)
    return revocations


async def test_tokens_are_recorded_sent_in_one_request_and_the_person_told(store: Store, clock: FakeClock) -> None:
    hub, teller = RecordingHub(), Teller()
    revocations = worker(store, hub, clock, teller)
    leaked = tokens(3)
    keys = await revocations.add("leak:msg:1:d1", [leaked[0], leaked[1], leaked[0]],
                                 notify={"via": "discord", "user": 7})
    await revocations.add("leak:msg:2:d2", leaked[2:], notify={"via": "discord", "user": 8})
    assert keys == [revocation_key("leak:msg:1:d1", t) for t in leaked[:2]]
    assert all(leaked[0] not in key for key in keys)  # keyed by a digest
    assert hub.requests == []  # recorded only: the worker sends
    await revocations.run_once()
    assert len(hub.requests) == 1 and sorted(hub.requests[0]) == sorted(leaked)
    assert teller.told == []  # told on the next round: a settled row is taken by one process only
    await revocations.run_once()
    assert sorted(teller.told) == [(7, RevocationStatus.REVOKED)] * 2 + [(8, RevocationStatus.REVOKED)]
    assert await store.due_revocations() == []  # told: forgotten


async def test_a_hub_outage_is_retried_with_backoff_and_survives_a_restart(db: str, store: Store,
                                                                           clock: FakeClock) -> None:
    hub, teller = RecordingHub(), Teller()
    hub.down = True
    leaked = tokens(1)
    revocations = worker(store, hub, clock, teller)
    await revocations.add("leak:msg:3:d", leaked, notify={"via": "discord", "user": 9})
    await revocations.run_once()
    (row,) = [r for r in await store.due_revocations() if r.outcome is None] or [None]
    assert row is None  # not due again at once: backing off
    clock.advance(LEASE)
    await revocations.run_once()  # the second attempt fails too
    await store.close()

    restarted = await open_store(db, lease_seconds=LEASE, clock=clock)  # a new process, the Hub back
    try:
        hub.down = False
        revocations = worker(restarted, hub, clock, teller)
        for _ in range(12):  # the backoff is bounded by GIVE_UP / 4
            clock.advance(GIVE_UP / 8)
            await revocations.run_once()
        assert hub.requests == [leaked] and teller.told == [(9, RevocationStatus.REVOKED)]
    finally:
        await restarted.close()


async def test_after_the_bound_the_person_is_told_plainly_it_failed(store: Store, clock: FakeClock,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    hub, teller = RecordingHub(), Teller()
    hub.down = True
    leaked = tokens(1)
    revocations = worker(store, hub, clock, teller)
    await revocations.add("leak:msg:4:d", leaked, notify={"via": "discord", "user": 10})
    for _ in range(40):
        await revocations.run_once()
        clock.advance(GIVE_UP / 20)
    assert teller.told == [(10, RevocationStatus.FAILED)]
    assert hub.requests == [] and await store.due_revocations() == []
    assert leaked[0] not in caplog.text and "ConnectionError" in caplog.text


async def test_the_person_is_told_once_the_warning_exists(store: Store, clock: FakeClock) -> None:
    hub, teller = RecordingHub(), Teller()
    teller.ready = False  # the warning is not posted yet
    revocations = worker(store, hub, clock, teller)
    await revocations.add("leak:msg:5:d", tokens(1), notify={"via": "discord", "user": 11})
    await revocations.run_once()
    await revocations.run_once()
    assert hub.requests and teller.told == []
    teller.ready = True
    await revocations.run_once()  # asked again while this process holds the row
    assert teller.told == [(11, RevocationStatus.REVOKED)]


async def test_a_row_another_part_of_the_bot_tells_is_left_to_it(store: Store, clock: FakeClock) -> None:
    hub, teller = RecordingHub(), Teller()
    revocations = worker(store, hub, clock, teller)
    await revocations.add("discourse:post:1:secret:d", tokens(1), notify={"via": "discourse", "username": "al"})
    await revocations.run_once()
    await revocations.run_once()
    assert hub.requests and teller.told == []
    clock.advance(LEASE + 1)
    (row,) = await store.due_revocations()  # there for a process that runs the forum
    assert row.outcome is not None and row.token is None


def test_backoff_grows_and_stays_jittered_within_bounds() -> None:
    rng = random.Random(1)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 8.0)]:
        delays = {backoff(attempt, base=1.0, ceiling=8.0, rng=rng) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


async def test_tokens_reach_the_sandbox_hub_through_the_real_client(sandbox_hub, store: Store) -> None:
    from diagnosis.hub import HubClient

    gen = SecretGen(31)
    leaked = [gen.sample(k).secret for k in ("huggingface", "huggingface_oauth", "huggingface_org")]
    pasted = f"curl -H 'Authorization: Bearer {leaked[0]}' ... also {leaked[1]} and {leaked[2]} and {leaked[0]}"
    async with HubClient(sandbox_hub.endpoint, token=False) as client:
        revocations = Revocations(store, client.revoke_credentials)
        await revocations.add("leak:msg:6:d", redact(pasted).hf_tokens(), notify={"via": "discord"})
        await revocations.run_once()
    assert len(sandbox_hub.revoked) == 1 and sorted(sandbox_hub.revoked[0]["credentials"]) == sorted(leaked)
    assert sandbox_hub.revoke_requests_with_auth == 0
