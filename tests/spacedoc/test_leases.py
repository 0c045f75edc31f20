"""Work held as leases (spacedoc.leases) on a real store: done once, given back after a failure, redone by the
sweep once a holder's lease expired, given up after too many attempts. Two stores on one file stand for two
processes; leases expire through an injected clock, never by sleeping."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from spacedoc.leases import MAX_ATTEMPTS, NONCE_LENGTH, Leases, NotDone, nonce
from spacedoc.store import Claim, Store, open_store
from tests.helpers import FakeClock

LEASE = 30.0


@pytest.fixture
async def stores(tmp_path, clock: FakeClock) -> AsyncIterator[list[Store]]:
    """Two "processes" on one SQLite file (opened one after the other, as SQLite serves one process at a time)."""
    path = str(tmp_path / "leases.sqlite3")
    first = await open_store(path, lease_seconds=LEASE, clock=clock)
    second = await open_store(path, lease_seconds=LEASE, clock=clock)
    yield [first, second]
    for store in (first, second):
        await store.close()


class Recorder:
    """Work that records the claims it ran for and returns a result (or fails as told)."""

    def __init__(self, result: str | None = "reply-1", fail: BaseException | None = None) -> None:
        self.runs: list[Claim] = []
        self.result = result
        self.fail = fail

    async def __call__(self, claim: Claim) -> str | None:
        self.runs.append(claim)
        if self.fail is not None:
            raise self.fail
        return self.result


async def test_held_work_is_done_once_and_completed_with_its_result(stores: list[Store]) -> None:
    leases, work = Leases(stores[0]), Recorder()
    assert await leases.hold("answer:msg:1", {"kind": "k", "channel": 5}, work)
    assert not await leases.hold("answer:msg:1", {"kind": "k", "channel": 5}, work)  # a replayed event
    assert not await Leases(stores[1]).hold("answer:msg:1", {"kind": "k"}, work)  # another process
    assert [c.attempts for c in work.runs] == [1] and work.runs[0].payload == {"kind": "k", "channel": 5}
    claim = await stores[0].get_claim("answer:msg:1")
    assert claim is not None and claim.done and claim.result == "reply-1"


async def test_a_decision_not_to_answer_completes_too(stores: list[Store]) -> None:
    await Leases(stores[0]).hold("answer:msg:2", {"kind": "k"}, Recorder(result="silent"))
    claim = await stores[0].get_claim("answer:msg:2")
    assert claim is not None and claim.done and claim.result == "silent"


@pytest.mark.parametrize("failure", [NotDone("Discord out of reach"), RuntimeError("a bug")])
async def test_failed_work_is_given_back_and_redone_by_the_sweep(stores: list[Store], failure: Exception,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    leases = Leases(stores[0])
    await leases.hold("answer:msg:3", {"kind": "k", "message": 3}, Recorder(fail=failure))
    claim = await stores[0].get_claim("answer:msg:3")
    assert claim is not None and not claim.done
    redo = Recorder(result="reply-3")
    leases.register("answer:", "k", redo)
    assert await stores[0].renew() == 0  # the heartbeat does not keep what was given back
    assert await leases.sweep_once() == 1  # no need to wait for the lease
    assert [(c.key, c.attempts, c.payload["message"]) for c in redo.runs] == [("answer:msg:3", 2, 3)]
    assert (await stores[0].get_claim("answer:msg:3")).result == "reply-3"
    assert any("answer:msg:3" in r.getMessage() for r in caplog.records)


async def test_a_dead_holder_s_work_is_redone_by_another_process_after_its_lease(
        stores: list[Store], clock: FakeClock) -> None:
    dead, alive = Leases(stores[0]), Leases(stores[1])
    started = asyncio.Event()

    async def killed(_: Claim) -> str:
        started.set()
        await asyncio.Event().wait()  # never finishes: the process is gone
        return "never"

    holder = asyncio.create_task(dead.hold("discourse:topic:9:answer", {"kind": "topic", "post_id": 9}, killed))
    await started.wait()
    redo = Recorder(result="post-77")
    alive.register("discourse:", "topic", redo)
    assert await alive.sweep_once() == 0  # the lease still runs
    clock.advance(LEASE + 1)
    assert await alive.sweep_once() == 1 and await alive.sweep_once() == 0
    claim = await stores[1].get_claim("discourse:topic:9:answer")
    assert claim is not None and claim.done and claim.result == "post-77" and claim.owner == stores[1].owner
    holder.cancel()
    await asyncio.gather(holder, return_exceptions=True)


async def test_the_heartbeat_keeps_a_live_holder_s_leases(stores: list[Store], clock: FakeClock) -> None:
    await stores[0].claim("leak:msg:1:abc", payload={"kind": "leak-message"})
    redo = Recorder()
    other = Leases(stores[1])
    other.register("leak:", "leak-message", redo)
    for _ in range(4):
        clock.advance(LEASE / 3)
        assert await stores[0].renew() == 1  # what Leases.heartbeat does every third of a lease
        assert await other.sweep_once() == 0
    assert redo.runs == []


async def test_the_sweep_leaves_kinds_it_cannot_redo_and_gives_up_poison_work(
        stores: list[Store], clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    leases = Leases(stores[0])
    await stores[0].claim("answer:msg:4", payload={"kind": "not-mine"})
    await stores[0].claim("answer:msg:5", payload={"kind": "poison"})
    bug = Recorder(fail=RuntimeError("always fails"))
    leases.register("answer:", "poison", bug)
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(LEASE + 1)
        await leases.sweep_once()
    assert len(bug.runs) == MAX_ATTEMPTS - 1  # attempt 1 was the live event
    poison = await stores[0].get_claim("answer:msg:5")
    assert poison is not None and poison.done and poison.result == "abandoned"
    untouched = await stores[0].get_claim("answer:msg:4")
    assert untouched is not None and not untouched.done and untouched.attempts == 1
    assert any("giving up answer:msg:5" in r.getMessage() for r in caplog.records)


async def test_shutdown_gives_unfinished_work_back_at_once(stores: list[Store]) -> None:
    leases = Leases(stores[0])
    started = asyncio.Event()

    async def slow(_: Claim) -> str:
        started.set()
        await asyncio.sleep(60)
        return "late"

    task = asyncio.create_task(leases.hold("answer:msg:6", {"kind": "k"}, slow))
    await started.wait()
    await leases.drain(timeout=0.01)
    await asyncio.gather(task, return_exceptions=True)
    redo = Recorder()
    other = Leases(stores[1])
    other.register("answer:", "k", redo)
    assert await other.sweep_once() == 1  # no lease to wait for


def test_nonces_are_short_deterministic_and_distinct() -> None:
    first = nonce("answer:msg:123")
    assert first == nonce("answer:msg:123") and len(first) == NONCE_LENGTH <= 25
    assert len({first, nonce("answer:msg:124"), nonce("answer:msg:123", "apology")}) == 3
