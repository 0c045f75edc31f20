"""The SQLite store: settings, claims, verdict context, feedback, diagnoses, meta; persistence and migrations."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import aiosqlite
import pytest

from diagnosis.incidents import DiagnosisRecord
from diagnosis.model import Bucket
from spacedoc.store import SCHEMA_VERSION, FeedbackCounts, GuildSettings, migrate, open_store
from tests.secretgen import SecretGen


@pytest.fixture
async def store():
    store = await open_store(":memory:")
    yield store
    await store.close()


async def test_unknown_guild_gets_defaults(store):
    settings = await store.get_guild_settings(7)
    assert settings == GuildSettings(7)
    assert settings.auto_reply and settings.revoke and settings.helper_role is None
    assert settings.help_forums == frozenset() and settings.help_channels == frozenset()


async def test_settings_round_trip_and_overwrite(store):
    first = GuildSettings(1, help_forums=frozenset({10, 11}), help_channels=frozenset({12}), auto_reply=False,
                          helper_role=99, revoke=False)
    await store.save_guild_settings(first)
    assert await store.get_guild_settings(1) == first
    second = GuildSettings(1, help_forums=frozenset({11}))
    await store.save_guild_settings(second)
    assert await store.get_guild_settings(1) == second
    assert await store.get_guild_settings(2) == GuildSettings(2)


async def test_claim_is_true_only_once_even_when_raced(store):
    results = await asyncio.gather(*(store.claim("answer:msg:5") for _ in range(20)))
    assert results.count(True) == 1
    assert await store.claim("answer:msg:6") is True
    assert await store.claim("answer:msg:5") is False
    # Keys that read like `name: random-value` assignments stay distinct (they are never redacted).
    assert await store.claim("secret:msg:1:765b9ca82ca6b8be") is True
    assert await store.claim("secret:msg:2:0f3e2d1c4b5a6978") is True


async def test_feedback_one_vote_per_person_and_revote_updates(store):
    assert await store.record_feedback(100, 1, True) is True
    assert await store.record_feedback(100, 2, False) is True
    assert await store.feedback_counts(100) == FeedbackCounts(helped=1, not_helped=1)
    assert await store.record_feedback(100, 1, True) is False
    assert await store.record_feedback(100, 2, True) is False  # changed their mind
    assert await store.feedback_counts(100) == FeedbackCounts(helped=2, not_helped=0)
    assert await store.feedback_counts(101) == FeedbackCounts()


async def test_recent_diagnoses_filters_by_time(store):
    now = datetime.now(timezone.utc)
    old = DiagnosisRecord("a/one", Bucket.LIFECYCLE_STUCK, now - timedelta(hours=2), 1)
    new = DiagnosisRecord("b/two", Bucket.LIFECYCLE_STUCK, now - timedelta(minutes=5), None)
    for record in (old, new):
        await store.record_diagnosis(record)
    recent = await store.recent_diagnoses(now - timedelta(minutes=20))
    assert len(recent) == 1
    assert recent[0].space == "b/two" and recent[0].bucket is Bucket.LIFECYCLE_STUCK and recent[0].guild_id is None
    assert abs((recent[0].at - new.at).total_seconds()) < 1e-3


async def test_everything_stored_is_redacted(store):
    token = SecretGen(seed=3).sample("huggingface").secret
    await store.save_verdict_context(
        55, guild_id=1, channel_id=2, space="alice/chat", details=f"my token is {token} help",
        bucket="runtime_crash", email_draft=f"Dear HF, token {token}",
    )
    await store.set_meta("note", f"x {token}")
    context = await store.get_verdict_context(55)
    assert context is not None and context.channel_id == 2 and context.bucket == "runtime_crash"
    assert token not in context.details and "help" in context.details
    assert context.email_draft is not None and token not in context.email_draft
    assert token not in (await store.get_meta("note") or "")
    assert await store.get_verdict_context(56) is None


async def test_state_survives_close_and_reopen(tmp_path):
    path = str(tmp_path / "spacedoc.db")
    store = await open_store(path)
    await store.save_guild_settings(GuildSettings(1, help_forums=frozenset({10}), helper_role=5))
    assert await store.claim("answer:msg:1")
    await store.record_feedback(9, 1, False)
    await store.set_meta("commands", "abc")
    await store.save_verdict_context(9, guild_id=1, channel_id=2, space=None, details="d", bucket="needs_info",
                                     email_draft=None)
    await store.close()

    store = await open_store(path)
    try:
        assert await store.get_guild_settings(1) == GuildSettings(1, help_forums=frozenset({10}), helper_role=5)
        assert await store.claim("answer:msg:1") is False
        assert await store.feedback_counts(9) == FeedbackCounts(helped=0, not_helped=1)
        assert await store.get_meta("commands") == "abc"
        assert (await store.get_verdict_context(9)).details == "d"
    finally:
        await store.close()


async def test_migrates_forward_from_first_schema_version(tmp_path):
    path = str(tmp_path / "old.db")
    async with aiosqlite.connect(path, isolation_level=None) as db:
        assert await migrate(db, target=1) == 1
        await db.execute(
            "INSERT INTO guild_settings (guild_id, help_forums, help_channels, auto_reply, helper_role)"
            " VALUES (1, '[10]', '[]', 0, NULL)"
        )
        await db.execute("INSERT INTO claims (key, at) VALUES ('answer:msg:1', 0)")

    store = await open_store(path)
    try:
        # Old rows are kept; the column added later takes its default.
        assert await store.get_guild_settings(1) == GuildSettings(1, help_forums=frozenset({10}), auto_reply=False)
        assert await store.claim("answer:msg:1") is False
        assert await store.record_feedback(1, 1, True) is True
    finally:
        await store.close()
    async with aiosqlite.connect(path) as db:
        async with db.execute("SELECT version FROM schema_version") as cursor:
            assert (await cursor.fetchone())[0] == SCHEMA_VERSION


async def test_refuses_a_newer_schema(tmp_path):
    path = str(tmp_path / "new.db")
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await migrate(db)
        await db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(RuntimeError, match="newer"):
        await open_store(path)
