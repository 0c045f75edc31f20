"""The store's contract, run against both back ends: SQLite (a file) and a real PostgreSQL server (sandbox/postgres.py).

Several `open_store()` instances on one database stand for several bot processes: each has its own owner id and
its own connections (SQLite: its own connection to the file; PostgreSQL: its own pool), so races between them are
real races in the database. Leases expire through an injected clock, never by sleeping.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from sandbox.secretgen import SecretGen
from spacedoc.store import (
    GAVE_UP,
    REVOKED,
    SCHEMA_VERSION,
    FeedbackCounts,
    GuildSettings,
    Store,
    StoreUnavailable,
    connect,
    migrate,
    open_store,
)
from spacedoc.store import backend as store_backend
from tests.helpers import FakeClock

LEASE = 30.0
RACERS = 8  # store instances ("processes") racing for one key


@dataclass(frozen=True)
class Backend:
    name: str
    url: str


Opener = Callable[..., Awaitable[Store]]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "spacedoc.sqlite3"))
    return Backend("postgresql", request.getfixturevalue("pg_url"))


@pytest.fixture
async def open_(backend: Backend, clock: FakeClock) -> AsyncIterator[Opener]:
    """Opens stores ("processes") on the test's database with the fake clock; closes them all afterwards."""
    opened: list[Store] = []

    async def opener(**options) -> Store:
        store = await open_store(backend.url, **({"lease_seconds": LEASE, "clock": clock} | options))
        opened.append(store)
        return store

    yield opener
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_: Opener) -> Store:
    return await open_()


def token() -> str:
    return SecretGen(seed=3).sample("huggingface").secret


# ---- settings ---------------------------------------------------------------------------------------------


async def test_unknown_guild_gets_defaults(store):
    settings = await store.get_guild_settings(7)
    assert settings == GuildSettings(7)
    assert settings.auto_reply and settings.revoke and settings.helper_role is None
    assert settings.help_forums == frozenset() and settings.help_channels == frozenset()


async def test_settings_round_trip_and_overwrite(store, open_):
    first = GuildSettings(1, help_forums=frozenset({10, 11}), help_channels=frozenset({12}), auto_reply=False,
                          helper_role=99, revoke=False)
    await store.save_guild_settings(first)
    assert await store.get_guild_settings(1) == first
    second = GuildSettings(1, help_forums=frozenset({11}))
    await store.save_guild_settings(second)
    assert await store.get_guild_settings(1) == second
    assert await store.get_guild_settings(2) == GuildSettings(2)
    snowflakes = GuildSettings(1 << 62, help_forums=frozenset({(1 << 62) + 1}), helper_role=(1 << 62) + 2)
    await store.save_guild_settings(snowflakes)
    assert await (await open_()).get_guild_settings(1 << 62) == snowflakes  # read back from the database


async def test_settings_changed_by_another_process_are_seen_within_the_cache_lifetime(open_, clock):
    writer, reader = await open_(), await open_()
    assert (await reader.get_guild_settings(1)).auto_reply
    await writer.save_guild_settings(GuildSettings(1, auto_reply=False))
    clock.advance(reader.settings_ttl)
    assert not (await reader.get_guild_settings(1)).auto_reply
    uncached = await open_(settings_ttl=0)
    assert not (await uncached.get_guild_settings(1)).auto_reply


async def test_sqlite_serves_settings_from_memory_until_the_lifetime_ends(tmp_path, clock):
    path = str(tmp_path / "s.sqlite3")
    writer, reader = await open_store(path, clock=clock), await open_store(path, clock=clock, settings_ttl=5)
    try:
        assert (await reader.get_guild_settings(1)).auto_reply
        await writer.save_guild_settings(GuildSettings(1, auto_reply=False))
        clock.advance(4.9)
        assert (await reader.get_guild_settings(1)).auto_reply  # cached: chat messages do not hit the disk
        clock.advance(0.1)
        assert not (await reader.get_guild_settings(1)).auto_reply
    finally:
        await writer.close()
        await reader.close()


async def test_postgres_settings_change_reaches_every_process_at_once(pg_url, clock):
    writer = await open_store(pg_url, clock=clock)
    reader = await open_store(pg_url, clock=clock, settings_ttl=3600)
    try:
        assert (await reader.get_guild_settings(1)).auto_reply
        await writer.save_guild_settings(GuildSettings(1, auto_reply=False))
        for _ in range(500):  # NOTIFY is delivered asynchronously; the clock does not move
            if not (await reader.get_guild_settings(1)).auto_reply:
                break
            await asyncio.sleep(0.01)
        assert not (await reader.get_guild_settings(1)).auto_reply
    finally:
        await writer.close()
        await reader.close()


# ---- claims -------------------------------------------------------------------------------------------------


async def test_claim_is_true_only_once_even_when_raced(store):
    results = await asyncio.gather(*(store.claim("answer:msg:5") for _ in range(20)))
    assert results.count(True) == 1
    assert await store.claim("answer:msg:6") is True
    assert await store.claim("answer:msg:5") is False  # a live lease, this process's own included
    # Keys that read like `name: random-value` assignments stay distinct (they are never redacted).
    assert await store.claim("secret:msg:1:765b9ca82ca6b8be") is True
    assert await store.claim("secret:msg:2:0f3e2d1c4b5a6978") is True


async def test_first_claim_records_owner_payload_and_one_attempt(store):
    assert await store.get_claim("answer:msg:1") is None
    assert await store.claim("answer:msg:1", payload={"channel": 5, "thread": 6})
    claim = await store.get_claim("answer:msg:1")
    assert claim is not None
    assert (claim.key, claim.payload, claim.owner, claim.attempts, claim.done, claim.result) == (
        "answer:msg:1", {"channel": 5, "thread": 6}, store.owner, 1, False, None)
    assert await store.claim("answer:msg:2")
    assert (await store.get_claim("answer:msg:2")).payload == {}
    assert re.fullmatch(r"[0-9a-f]{32}", store.owner)  # uuid4 hex


async def test_expired_lease_is_taken_again_by_anyone_with_payload_kept(open_, clock):
    first, second = await open_(), await open_()
    assert await first.claim("answer:msg:1", payload={"channel": 5})
    assert not await second.claim("answer:msg:1")
    clock.advance(LEASE - 0.001)
    assert not await second.claim("answer:msg:1")
    clock.advance(0.001)
    assert await second.claim("answer:msg:1")
    claim = await second.get_claim("answer:msg:1")
    assert (claim.owner, claim.attempts, claim.payload, claim.done) == (second.owner, 2, {"channel": 5}, False)
    assert not await first.claim("answer:msg:1")  # the old holder, back from a stall, does not take it back
    clock.advance(LEASE)
    assert await first.claim("answer:msg:1", payload={"channel": 7})  # a new payload replaces the old one
    claim = await first.get_claim("answer:msg:1")
    assert (claim.owner, claim.attempts, claim.payload) == (first.owner, 3, {"channel": 7})


async def test_completed_claim_is_never_taken_again(open_, clock):
    first, second = await open_(), await open_()
    assert await first.claim("answer:msg:1")
    await first.complete("answer:msg:1", result="998877")
    clock.advance(10 * LEASE)
    assert not await second.claim("answer:msg:1")
    assert not await first.claim("answer:msg:1")
    claim = await second.get_claim("answer:msg:1")
    assert (claim.done, claim.result, claim.attempts, claim.owner) == (True, "998877", 1, first.owner)
    assert await first.expired_claims("answer:") == []
    await first.complete("never:claimed")  # stays unknown
    assert await first.get_claim("never:claimed") is None


async def test_release_gives_the_work_back_at_once(open_):
    first, second = await open_(), await open_()
    assert await first.claim("answer:msg:1")
    await second.release("answer:msg:1")  # not its claim: no effect
    assert not await second.claim("answer:msg:1")
    await first.release("answer:msg:1")
    assert [c.key for c in await second.expired_claims("answer:")] == ["answer:msg:1"]
    assert await second.claim("answer:msg:1")
    assert (await second.get_claim("answer:msg:1")).attempts == 2
    await second.complete("answer:msg:1")
    await second.release("answer:msg:1")  # done stays done
    assert not await first.claim("answer:msg:1")


async def test_a_released_claim_is_not_renewed(open_, clock):
    worker = await open_()
    assert await worker.claim("answer:msg:1") and await worker.claim("answer:msg:2")
    await worker.release("answer:msg:1")
    clock.advance(LEASE / 3)
    assert await worker.renew() == 1  # the heartbeat keeps what it holds, not what it gave back
    assert [c.key for c in await worker.expired_claims("answer:")] == ["answer:msg:1"]


async def test_renew_keeps_a_live_process_s_leases(open_, clock):
    worker, other = await open_(), await open_()
    assert await worker.claim("answer:msg:1") and await worker.claim("answer:msg:2") and await worker.claim("x:3")
    await worker.complete("x:3")
    assert await other.claim("answer:msg:4")
    for _ in range(5):  # the heartbeat every lease/3 keeps them held through many leases of work
        clock.advance(LEASE / 3)
        assert await worker.renew() == 2
    assert not await other.claim("answer:msg:1") and not await other.claim("answer:msg:2")
    assert [c.key for c in await worker.expired_claims("answer:")] == ["answer:msg:4"]  # other never renewed
    clock.advance(LEASE)  # the worker dies (no more heartbeats): everything it held is free after one lease
    assert [c.key for c in await other.expired_claims("answer:")] == ["answer:msg:4", "answer:msg:1",
                                                                      "answer:msg:2"]  # oldest lease first
    assert await other.claim("answer:msg:1") and await other.claim("answer:msg:2")


async def test_expired_claims_lists_open_expired_work_under_a_prefix(open_, clock):
    dead, sweeper = await open_(), await open_()
    for key in ("answer:msg:1", "answer:msg:2", "answer:thread:3", "answers_x", "secret:msg:4", "answer%:5"):
        assert await dead.claim(key, payload={"k": key})
        clock.advance(1)
    await dead.complete("answer:msg:2")
    assert await sweeper.expired_claims("answer:") == []  # all leases still live
    clock.advance(LEASE)
    assert await sweeper.claim("answer:live", payload={})
    expired = await sweeper.expired_claims("answer:")
    assert [c.key for c in expired] == ["answer:msg:1", "answer:thread:3"]  # oldest lease first
    assert expired[0].payload == {"k": "answer:msg:1"} and expired[0].owner == dead.owner
    assert [c.key for c in await sweeper.expired_claims("answer:", limit=1)] == ["answer:msg:1"]
    assert [c.key for c in await sweeper.expired_claims("answer%")] == ["answer%:5"]  # no LIKE wildcards
    assert len(await sweeper.expired_claims("")) == 5
    assert await sweeper.claim("answer:msg:1")
    assert [c.key for c in await sweeper.expired_claims("answer:")] == ["answer:thread:3"]


async def test_many_processes_racing_for_one_key_exactly_one_wins(open_, clock):
    processes = [await open_() for _ in range(RACERS)]
    results = await asyncio.gather(*(p.claim("answer:msg:1", payload={"n": i})
                                     for i, p in enumerate(processes) for _ in range(3)))
    assert results.count(True) == 1
    winner = (await processes[0].get_claim("answer:msg:1")).owner
    assert winner in {p.owner for p in processes}

    clock.advance(LEASE)  # the winner died: its expired lease is retaken exactly once
    survivors = [p for p in processes if p.owner != winner]
    results = await asyncio.gather(*(p.claim("answer:msg:1") for p in survivors for _ in range(3)))
    assert results.count(True) == 1
    claim = await processes[0].get_claim("answer:msg:1")
    assert claim.attempts == 2 and claim.owner in {p.owner for p in survivors}

    # Every process sweeps the dead one's work at once: each key is redone by exactly one of them.
    dead = processes[0]
    for n in range(10):
        assert await dead.claim(f"answer:post:{n}")
    clock.advance(LEASE)

    async def sweep(process: Store) -> list[str]:
        return [c.key for c in await process.expired_claims("answer:post:") if await process.claim(c.key)]

    swept = await asyncio.gather(*(sweep(p) for p in processes[1:]))
    assert sorted(key for keys in swept for key in keys) == [f"answer:post:{n}" for n in range(10)]


async def test_payload_and_result_are_redacted(store):
    secret = token()
    assert await store.claim("answer:msg:1", payload={"note": f"from {secret}", "nested": [{"t": secret}], "n": 1})
    await store.complete("answer:msg:1", result=f"reply {secret}")
    claim = await store.get_claim("answer:msg:1")
    assert secret not in repr(claim) and claim.payload["n"] == 1 and claim.payload["note"].startswith("from ")
    assert claim.result is not None and claim.result.startswith("reply ")


# ---- restarts ----------------------------------------------------------------------------------------------


async def test_sqlite_restart_takes_back_unfinished_work_at_once(tmp_path, clock):
    path = str(tmp_path / "s.sqlite3")
    crashed = await open_store(path, clock=clock)
    assert await crashed.claim("answer:msg:1", payload={"channel": 1})
    assert await crashed.claim("answer:msg:2")
    await crashed.complete("answer:msg:2", result="5")
    await crashed.close()  # as good as SIGKILL: nothing was released

    restarted = await open_store(path, clock=clock)  # the clock did not move: the lease alone would still hold
    try:
        assert [c.key for c in await restarted.expired_claims("answer:")] == ["answer:msg:1"]
        assert await restarted.claim("answer:msg:1")
        assert (await restarted.get_claim("answer:msg:1")).attempts == 2
        assert not await restarted.claim("answer:msg:2")
    finally:
        await restarted.close()


async def test_postgres_leases_of_a_live_process_survive_another_process_starting(pg_url, clock):
    running = await open_store(pg_url, clock=clock)
    started = await open_store(pg_url, clock=clock)
    try:
        assert await running.claim("answer:msg:1")
        late = await open_store(pg_url, clock=clock)  # e.g. the new replica of a rolling deploy
        try:
            assert not await late.claim("answer:msg:1")
            assert not await started.claim("answer:msg:1")
        finally:
            await late.close()
    finally:
        await running.close()
        await started.close()


async def test_state_survives_close_and_reopen(open_, backend, clock):
    store = await open_()
    await store.save_guild_settings(GuildSettings(1, help_forums=frozenset({10}), helper_role=5))
    assert await store.claim("answer:msg:1")
    await store.complete("answer:msg:1", result="77")
    await store.record_feedback(9, 1, False)
    await store.set_meta("commands", "abc")
    await store.save_verdict_context(9, guild_id=1, channel_id=2, space=None, details="d", bucket="needs_info",
                                     email_draft=None)
    assert await store.add_revocation("revoke:msg:9:0", token(), notify={"channel": 2})
    await store.close()

    store = await open_store(backend.url, clock=clock)
    try:
        assert await store.get_guild_settings(1) == GuildSettings(1, help_forums=frozenset({10}), helper_role=5)
        assert await store.claim("answer:msg:1") is False
        assert (await store.get_claim("answer:msg:1")).result == "77"
        assert await store.feedback_counts(9) == FeedbackCounts(helped=0, not_helped=1)
        assert await store.get_meta("commands") == "abc"
        assert (await store.get_verdict_context(9)).details == "d"
        assert [r.token for r in await store.due_revocations()] == [token()]
    finally:
        await store.close()


# ---- pending revocations -------------------------------------------------------------------------------------


async def test_revocation_lifecycle(open_, clock):
    store, other = await open_(), await open_()
    secret = token()
    assert await store.add_revocation("revoke:msg:1:0", secret, notify={"guild": 1, "channel": 2, "user": 3})
    assert not await store.add_revocation("revoke:msg:1:0", secret, notify={})  # a replay adds nothing

    [due] = await store.due_revocations()
    assert (due.key, due.token, due.notify, due.attempts, due.outcome, due.error) == (
        "revoke:msg:1:0", secret, {"guild": 1, "channel": 2, "user": 3}, 0, None, None)
    assert secret not in repr(due)  # the token never reaches a log through a repr
    assert await store.due_revocations() == [] and await other.due_revocations() == []  # leased to `store`

    retry_at = clock.datetime() + timedelta(seconds=4)
    await store.retry_revocation("revoke:msg:1:0", at=retry_at, error=f"Hub 500 echoing {secret}")
    clock.advance(3.9)
    assert await other.due_revocations() == []
    clock.advance(0.1)
    [due] = await other.due_revocations()
    assert due.attempts == 1 and due.next_try > retry_at and secret not in (due.error or "")
    assert due.error.startswith("Hub 500")

    await other.settle_revocation("revoke:msg:1:0", revoked=True)
    [told] = await store.due_revocations()  # due at once: the person is to be told
    assert (told.token, told.outcome, told.attempts, told.notify["user"]) == (None, REVOKED, 1, 3)
    await other.retry_revocation("revoke:msg:1:0", at=clock.datetime(), error="late")  # settled: no effect
    await store.drop_revocation("revoke:msg:1:0")
    clock.advance(10 * LEASE)
    assert await store.due_revocations() == []


async def test_revocation_given_up_erases_the_token(store):
    assert await store.add_revocation("revoke:msg:2:0", token(), notify={"user": 3})
    await store.settle_revocation("revoke:msg:2:0", revoked=False)
    [due] = await store.due_revocations()
    assert due.token is None and due.outcome == GAVE_UP


async def test_revocation_taken_by_a_process_that_dies_comes_due_again(open_, clock):
    dead, alive = await open_(), await open_()
    for n in range(30):
        assert await dead.add_revocation(f"revoke:msg:{n}:0", token(), notify={"n": n})
    assert len(await dead.due_revocations(limit=5)) == 5  # taken, then the process dies
    clock.advance(1)
    processes = [alive] + [await open_() for _ in range(RACERS - 1)]
    batches = await asyncio.gather(*(p.due_revocations(limit=4) for p in processes for _ in range(2)))
    taken = [r.key for batch in batches for r in batch]
    assert len(taken) == len(set(taken)) == 25  # each one to exactly one process
    clock.advance(LEASE)
    assert sorted(r.key for r in await alive.due_revocations(limit=100)) == sorted(
        f"revoke:msg:{n}:0" for n in range(30))


async def test_revocations_are_counted_by_key_prefix_until_dropped(store):
    """What a leak finished from its payload asks: did its work record tokens for revocation?"""
    for key in ("leak:msg:1:ab:revoke:x", "leak:msg:1:ab:revoke:y", "leak:msg:11:ab:revoke:x"):
        assert await store.add_revocation(key, token(), notify={})
    assert await store.count_revocations("leak:msg:1:ab:revoke:") == 2
    assert await store.count_revocations("leak:msg:2:ab:revoke:") == 0
    await store.settle_revocation("leak:msg:1:ab:revoke:x", revoked=True)  # still to tell: still counted
    await store.drop_revocation("leak:msg:1:ab:revoke:y")
    assert await store.count_revocations("leak:msg:1:ab:revoke:") == 1


async def test_pending_token_is_stored_as_given_and_the_notice_redacted(store):
    secret = token()
    assert await store.add_revocation("revoke:msg:3:0", secret, notify={"quote": f"said {secret}"})
    [due] = await store.due_revocations()
    assert due.token == secret and secret not in due.notify["quote"]


# ---- verdict context, feedback, diagnoses, meta -----------------------------------------------------------


async def test_feedback_one_vote_per_person_and_revote_updates(store):
    assert await store.record_feedback(100, 1, True) is True
    assert await store.record_feedback(100, 2, False) is True
    assert await store.feedback_counts(100) == FeedbackCounts(helped=1, not_helped=1)
    assert await store.record_feedback(100, 1, True) is False
    assert await store.record_feedback(100, 2, True) is False  # changed their mind
    assert await store.feedback_counts(100) == FeedbackCounts(helped=2, not_helped=0)
    assert await store.feedback_counts(101) == FeedbackCounts()


async def test_recent_diagnoses_filters_by_time(store):
    now = datetime.now(UTC)
    old = DiagnosisRecord("a/one", Bucket.LIFECYCLE_STUCK, now - timedelta(hours=2), 1)
    new = DiagnosisRecord("b/two", Bucket.LIFECYCLE_STUCK, now - timedelta(minutes=5), None)
    for record in (old, new):
        await store.record_diagnosis(record)
    recent = await store.recent_diagnoses(now - timedelta(minutes=20))
    assert len(recent) == 1
    assert recent[0].space == "b/two" and recent[0].bucket is Bucket.LIFECYCLE_STUCK and recent[0].guild_id is None
    assert abs((recent[0].at - new.at).total_seconds()) < 1e-3


async def test_recent_diagnoses_hold_each_space_and_bucket_once(store):
    """Read by every diagnosis: a burst of answers about one Space must not grow what each of them reads."""
    now = datetime.now(UTC)
    for minutes in range(10, 0, -1):
        await store.record_diagnosis(DiagnosisRecord("a/one", Bucket.LIFECYCLE_STUCK, now - timedelta(minutes=minutes)))
    await store.record_diagnosis(DiagnosisRecord("a/one", Bucket.SLEEPING, now - timedelta(minutes=30)))
    await store.record_diagnosis(DiagnosisRecord("a/one", Bucket.SLEEPING, now - timedelta(minutes=3), 7))
    recent = await store.recent_diagnoses(now - timedelta(minutes=20))
    assert [(r.space, r.bucket, r.guild_id) for r in recent] == [("a/one", Bucket.SLEEPING, 7),
                                                                 ("a/one", Bucket.LIFECYCLE_STUCK, None)]
    assert abs((recent[1].at - (now - timedelta(minutes=1))).total_seconds()) < 1e-3  # the latest of them


async def test_everything_stored_is_redacted(store):
    secret = token()
    await store.save_verdict_context(
        55, guild_id=1, channel_id=2, space="alice/chat", details=f"my token is {secret} help",
        bucket="runtime_crash", email_draft=f"Dear HF, token {secret}",
    )
    await store.set_meta("note", f"x {secret}")
    context = await store.get_verdict_context(55)
    assert context is not None and context.channel_id == 2 and context.bucket == "runtime_crash"
    assert secret not in context.details and "help" in context.details
    assert context.email_draft is not None and secret not in context.email_draft
    assert secret not in (await store.get_meta("note") or "")
    assert await store.get_verdict_context(56) is None


# ---- retention -----------------------------------------------------------------------------------------------


async def fill(store: Store, n: int) -> None:
    """One of everything that retention covers, plus what it must keep, all tagged with `n`."""
    assert await store.claim(f"answer:done:{n}")
    await store.complete(f"answer:done:{n}")
    assert await store.claim(f"answer:open:{n}")
    await store.save_verdict_context(n, guild_id=1, channel_id=2, space=None, details="d", bucket="needs_info",
                                     email_draft=None)
    await store.record_feedback(n, 1, True)
    await store.record_diagnosis(DiagnosisRecord(f"a/{n}", Bucket.SLEEPING, datetime.fromtimestamp(
        store.clock(), UTC), 1))  # type: ignore[attr-defined]
    assert await store.add_revocation(f"revoke:{n}", token(), notify={})


async def test_prune_deletes_old_finished_records_and_keeps_open_work(store, clock):
    await fill(store, 1)
    clock.advance(86400)
    cutoff = clock.datetime()
    clock.advance(1)
    await fill(store, 2)

    assert await store.prune(cutoff) == 4  # done claim, verdict context, feedback, diagnosis of round 1
    assert await store.get_claim("answer:done:1") is None and await store.get_claim("answer:done:2") is not None
    assert await store.get_claim("answer:open:1") is not None  # open work is never pruned
    assert await store.get_verdict_context(1) is None and await store.get_verdict_context(2) is not None
    assert await store.feedback_counts(1) == FeedbackCounts() and await store.feedback_counts(2) == FeedbackCounts(1)
    assert [r.space for r in await store.recent_diagnoses(datetime.fromtimestamp(0, UTC))] == ["a/2"]
    assert {r.key for r in await store.due_revocations()} == {"revoke:1", "revoke:2"}
    assert await store.prune(cutoff) == 0


# ---- schema versions and migrations -------------------------------------------------------------------------


async def schema_version(url: str) -> int:
    db = await connect(url)
    try:
        return (await db.fetchrow("SELECT version FROM schema_version"))[0]
    finally:
        await db.close()


async def test_migrates_forward_from_schema_version_2(backend, open_, clock):
    db = await connect(backend.url)
    try:
        assert await migrate(db, target=2) == 2
        await db.execute("INSERT INTO guild_settings (guild_id, help_forums, help_channels, auto_reply, helper_role,"
                         " revoke) VALUES ($1, '[10]', '[]', 0, NULL, 0)", 1 << 60)
        await db.execute("INSERT INTO claims (key, at) VALUES ('answer:msg:1', $1)", clock() - 3600)
        await db.execute("INSERT INTO verdict_context (message_id, guild_id, channel_id, space, details, bucket,"
                         " email_draft) VALUES (9, 1, 2, 'a/b', 'd', 'sleeping', NULL)")
        await db.execute("INSERT INTO feedback (message_id, user_id, helpful) VALUES (9, 1, 1)")
        await db.execute("INSERT INTO diagnoses (space, bucket, at, guild_id) VALUES ('a/b', 'sleeping', $1, 1)",
                         clock() - 3600)
    finally:
        await db.close()

    store = await open_()
    assert await schema_version(backend.url) == SCHEMA_VERSION == 3
    assert await store.get_guild_settings(1 << 60) == GuildSettings(
        1 << 60, help_forums=frozenset({10}), auto_reply=False, revoke=False)
    # A claim from before leases was taken right before answering: it is done, never taken again.
    old = await store.get_claim("answer:msg:1")
    assert (old.done, old.attempts, old.owner, old.payload, old.result) == (True, 1, "", {}, None)
    assert not await store.claim("answer:msg:1") and await store.expired_claims("answer:") == []
    assert (await store.get_verdict_context(9)).space == "a/b"
    assert await store.feedback_counts(9) == FeedbackCounts(helped=1)
    # Rows of unknown age get one full retention period from the first prune; the old diagnosis has its time.
    assert await store.prune(clock.datetime() - timedelta(minutes=1)) == 2  # the old claim and diagnosis
    clock.advance(2 * 86400)
    assert await store.prune(clock.datetime() - timedelta(days=1)) == 2  # now the context and the vote
    assert await store.get_verdict_context(9) is None


async def test_migrates_forward_from_every_older_version(backend, open_):
    for start in range(SCHEMA_VERSION):
        db = await connect(backend.url)
        try:
            await db.execute("DROP TABLE IF EXISTS schema_version")
            for table in ("guild_settings", "claims", "meta", "verdict_context", "feedback", "diagnoses",
                          "pending_revocations"):
                await db.execute(f"DROP TABLE IF EXISTS {table}")
            assert await migrate(db, target=start) == start
        finally:
            await db.close()
        store = await open_()
        assert await store.claim(f"answer:from:{start}")
        await store.close()
        assert await schema_version(backend.url) == SCHEMA_VERSION


async def test_processes_starting_together_migrate_once(backend, open_):
    db = await connect(backend.url)
    try:
        await migrate(db, target=2)
    finally:
        await db.close()
    stores = await asyncio.gather(*(open_() for _ in range(RACERS)))  # e.g. the replicas of a deploy
    assert await schema_version(backend.url) == SCHEMA_VERSION
    results = await asyncio.gather(*(s.claim("answer:msg:1") for s in stores))
    assert results.count(True) == 1


async def test_refuses_a_newer_schema(backend):
    db = await connect(backend.url)
    try:
        await migrate(db)
        await db.execute("UPDATE schema_version SET version = $1", SCHEMA_VERSION + 1)
    finally:
        await db.close()
    with pytest.raises(RuntimeError, match="newer"):
        await open_store(backend.url)


# ---- choosing the back end --------------------------------------------------------------------------------


def test_spacedoc_db_values_pick_the_back_end():
    assert store_backend("spacedoc.sqlite3") == ("sqlite", "spacedoc.sqlite3")
    assert store_backend(":memory:") == ("sqlite", ":memory:")
    assert store_backend("sqlite:///data/s.db") == ("sqlite", "data/s.db")
    assert store_backend("sqlite:////var/lib/s.db") == ("sqlite", "/var/lib/s.db")
    assert store_backend("postgresql://bot@db:5432/spacedoc") == ("postgresql", "postgresql://bot@db:5432/spacedoc")
    assert store_backend("postgres://bot@db/spacedoc")[0] == "postgresql"
    with pytest.raises(ValueError, match="SPACEDOC_DB") as raised:
        store_backend("mysql://root:hunter2hunter2@db/x")
    assert "hunter2hunter2" not in str(raised.value)


async def test_unreachable_postgres_is_one_clear_error_without_the_password():
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql://bot:Tr0ub4dor-and-3@127.0.0.1:{port}/spacedoc"
    with pytest.raises(StoreUnavailable) as raised:
        await open_store(url)
    message = str(raised.value)
    assert message.startswith("cannot open the database SPACEDOC_DB=") and "Tr0ub4dor" not in message
    assert f"127.0.0.1:{port}" in message


def test_store_settings_from_the_environment():
    from spacedoc.config import ConfigError, load

    defaults = load({"DISCORD_TOKEN": "t"})
    assert (defaults.db_path, defaults.lease_seconds, defaults.retention_days) == ("spacedoc.sqlite3", 30.0, 30.0)
    dsn = "postgresql://bot:Tr0ub4dor-and-3@db.internal:5432/spacedoc"
    config = load({"DISCORD_TOKEN": "t", "SPACEDOC_DB": dsn, "SPACEDOC_LEASE_SECONDS": "12.5",
                   "SPACEDOC_RETENTION_DAYS": "7"})
    assert (config.db_path, config.lease_seconds, config.retention_days) == (dsn, 12.5, 7.0)
    assert "Tr0ub4dor" not in repr(config) and "db.internal" in repr(config)
    for name, bad in (("SPACEDOC_LEASE_SECONDS", "0"), ("SPACEDOC_LEASE_SECONDS", "soon"),
                      ("SPACEDOC_RETENTION_DAYS", "-1"), ("SPACEDOC_RETENTION_DAYS", "nan"),
                      ("SPACEDOC_DB", "mysql://root:Tr0ub4dor-and-3@db/x")):
        with pytest.raises(ConfigError) as raised:
            load({"DISCORD_TOKEN": "t", name: bad})
        assert name in str(raised.value) and "Tr0ub4dor" not in str(raised.value)
