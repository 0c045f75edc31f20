"""The Discourse client against the sandbox forum: rate limits (its own budget, the forum's 429s), refusals,
paging, and redaction of everything it sends. Time is a fake clock: nothing here waits for real."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from forum.client import DiscourseClient, DiscourseRefused, DiscourseUnavailable, RequestBudget, _wait_seconds
from sandbox.discourse import SandboxDiscourse
from sandbox.secretgen import SecretGen


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture
async def forum() -> AsyncIterator[SandboxDiscourse]:
    async with SandboxDiscourse() as server:
        yield server


def client_for(forum: SandboxDiscourse, clock: FakeClock, **options: object) -> DiscourseClient:
    budget = RequestBudget(clock=clock, sleep=clock.sleep)
    return DiscourseClient(forum.url, forum.api_key, forum.bot.username, budget=budget, sleep=clock.sleep,
                           **options)  # type: ignore[arg-type]


async def test_a_429_pauses_for_the_time_the_forum_names_then_retries(forum: SandboxDiscourse) -> None:
    clock = FakeClock()
    forum.inject_rate_limit("GET", r"^/u/", times=2, wait_seconds=7)
    async with client_for(forum, clock) as client:
        me = await client.user(forum.bot.username)
    assert me["moderator"] is True
    assert clock.slept == [7.0, 7.0] and len(forum.requests_to("GET", r"^/u/")) == 3


async def test_a_429_on_every_try_is_a_refusal(forum: SandboxDiscourse) -> None:
    clock = FakeClock()
    forum.inject_rate_limit(times=4, wait_seconds=2)
    async with client_for(forum, clock, max_tries=4) as client:
        with pytest.raises(DiscourseRefused) as refused:
            await client.latest_posts()
    assert refused.value.status == 429 and len(forum.requests) == 4


def test_the_wait_comes_from_extras_or_retry_after() -> None:
    assert _wait_seconds({"Retry-After": "30"}, {"extras": {"wait_seconds": 31}}) == 31
    assert _wait_seconds({"Retry-After": "12"}, None) == 12  # the per-IP limiter answers in plain text
    assert _wait_seconds({}, {"errors": ["slow down"]}) == 10


async def test_the_budget_never_lets_more_than_its_limit_through_in_any_minute() -> None:
    clock = FakeClock()
    budget = RequestBudget(60, 60.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(200):
        await budget.take()
        stamps.append(clock.now)
    assert max(sum(1 for u in stamps if t - 60 < u <= t) for t in stamps) == 60
    assert stamps[59] == stamps[0] and stamps[-1] - stamps[0] == 180  # a burst, then one window at a time
    budget.pause(42)  # after a 429 nobody goes before the forum's time
    before = clock.now
    await budget.take()
    assert clock.now - before >= 42


async def test_refusals_carry_the_forums_errors(forum: SandboxDiscourse) -> None:
    clock = FakeClock()
    topic = await forum.create_topic(forum.add_user("alice"), 24, "A topic", "A first post long enough to pass.")
    async with client_for(forum, clock) as client:
        with pytest.raises(DiscourseRefused) as short:
            await client.reply(topic.topic_id, "too short")
        assert short.value.status == 422 and short.value.errors == ["Body is too short (minimum is 20 characters)"]
    async with DiscourseClient(forum.url, "not-the-key", forum.bot.username, sleep=clock.sleep) as client:
        with pytest.raises(DiscourseRefused) as denied:
            await client.user(forum.bot.username)
        assert denied.value.status == 403 and "invalid" in denied.value.errors[0]


async def test_an_unreachable_forum_is_unavailable_after_the_retries() -> None:
    clock = FakeClock()
    async with DiscourseClient("http://127.0.0.1:9", "key", "bot", sleep=clock.sleep,
                               budget=RequestBudget(clock=clock, sleep=clock.sleep)) as client:
        with pytest.raises(DiscourseUnavailable):
            await client.latest_posts()
        assert client.reachable is False and len(clock.slept) == 3


async def test_latest_posts_pages_back_with_before(forum: SandboxDiscourse) -> None:
    alice = forum.add_user("alice")
    topic = await forum.create_topic(alice, 24, "A topic", "A first post long enough to pass.")
    for n in range(70):
        await forum.reply(alice, topic.topic_id, f"Reply number {n} in the topic.")
    async with client_for(forum, FakeClock()) as client:
        first = await client.latest_posts()
        second = await client.latest_posts(before=min(p["id"] for p in first))
    assert [p["id"] for p in first] == list(range(71, 21, -1))
    assert [p["id"] for p in second] == list(range(21, 0, -1)) and all("raw" in p for p in second)


async def test_a_topic_holds_its_first_chunk_and_further_posts_are_read_by_id(forum: SandboxDiscourse) -> None:
    alice = forum.add_user("alice")
    first = await forum.create_topic(alice, 24, "A topic", "A first post long enough to pass.")
    other = await forum.create_topic(alice, 24, "Another topic", "Another first post long enough to pass.")
    for n in range(29):
        await forum.reply(alice, first.topic_id, f"Reply number {n} in the topic.")
    async with client_for(forum, FakeClock()) as client:
        topic = await client.topic(first.topic_id)
        stream = topic["post_stream"]["stream"]
        assert len(stream) == 30 and [p["id"] for p in topic["post_stream"]["posts"]] == stream[:20]
        later = await client.topic_posts(first.topic_id, [stream[29], other.id, stream[25]])  # not its own: left out
        assert await client.topic_posts(first.topic_id, []) == []  # nothing asked: no request
    assert [p["post_number"] for p in later] == [26, 30] and not any("raw" in p for p in later)
    assert len(forum.requests_to("GET", r"/posts\.json$")) == 1


async def test_every_text_it_sends_is_redacted(forum: SandboxDiscourse) -> None:
    token = SecretGen(seed=21).sample("huggingface").secret
    alice = forum.add_user("alice")
    post = await forum.create_topic(alice, 24, "A topic", "A first post long enough to pass.")
    async with client_for(forum, FakeClock()) as client:
        await client.reply(post.topic_id, f"a reply quoting {token} by mistake")
        await client.edit_post(post.id, f"an edit with {token}", edit_reason=f"reason {token}")
        await client.flag_for_moderators(post.id, f"a flag with {token}")
        await client.send_private_message("alice", f"title {token}", f"a message with {token} in it")
        await client.rename_topic(post.topic_id, f"401 with {token}")
    bodies = [r.text() for r in forum.requests]
    assert len(bodies) == 5 and all(token not in body and "hf_[REDACTED]" in body for body in bodies)


async def test_text_sent_is_well_formed_a_split_surrogate_pair_joined(forum: SandboxDiscourse) -> None:
    alice = forum.add_user("alice")
    post = await forum.create_topic(alice, 24, "A topic", "A first post long enough to pass.")
    async with client_for(forum, FakeClock()) as client:
        reply = await client.reply(post.topic_id, "it works \ud83d\ude00 and \udc80 stands alone in this reply")
    assert forum.posts[reply["id"]].raw == "it works \U0001f600 and \ufffd stands alone in this reply"


async def test_the_sandbox_hides_revisions_from_everyone_but_staff(forum: SandboxDiscourse) -> None:
    """What the adapter relies on: an edit by someone else keeps the old text in a public revision until hidden."""
    alice = forum.add_user("alice")
    post = await forum.create_topic(alice, 24, "A topic", "A first post with a SECRET-LOOKING word.")
    async with client_for(forum, FakeClock()) as client:
        edited = await client.edit_post(post.id, "A first post without it.", edit_reason="cleanup")
        assert edited["version"] == 2 and "SECRET-LOOKING" in forum.public_text(post.id)
        await client.hide_revision(post.id, 2)
    assert "SECRET-LOOKING" not in forum.public_text(post.id)
    async with DiscourseClient(forum.url, forum.api_key, "alice", sleep=FakeClock().sleep) as as_alice:
        with pytest.raises(DiscourseRefused) as denied:
            await as_alice.hide_revision(post.id, 2)
    assert denied.value.status == 403
