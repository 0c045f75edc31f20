"""Topics longer than the first chunk of posts `/t/{id}.json` holds (20): the adapter reads the posts past it that
its checks need (the bot's earlier answer, a staff answer, the author's thanks and replies), through the real client
against the sandbox Discourse, and answers once."""
from __future__ import annotations

from diagnosis import texts
from sandbox.discourse import TOPIC_CHUNK, User
from spacedoc.store import FeedbackCounts
from tests.forum.conftest import HOME, Site  # and the `site` fixture

ELSEWHERE = 5
BROKEN = "https://huggingface.co/spaces/orchid-nlp/summarizer"  # a build failure in the sandbox Hub
BROKEN_TEXT = f"My Space {BROKEN} fails to build since I changed requirements.txt, what is wrong?"
BUILD_FAILURE = texts.say("en", "title.build_failure")


async def chatter(site: Site, user: User, topic_id: int, count: int) -> None:
    for n in range(count):
        await site.discourse.reply(user, topic_id, f"Chatter number {n}, about something else entirely.")


def extra_reads(site: Site, topic_id: int) -> int:
    return len(site.discourse.requests_to("GET", rf"^/t/{topic_id}/posts\.json$"))


async def test_a_mention_past_the_first_chunk_reads_the_authors_late_reply_and_is_answered_once(site: Site) -> None:
    d = site.discourse
    alice, bob = d.add_user("alice"), d.add_user("bob")
    topic = await d.create_topic(alice, ELSEWHERE, "Something is off", "Something is off with my Space, no idea why.")
    await chatter(site, bob, topic.topic_id, TOPIC_CHUNK)
    await d.reply(alice, topic.topic_id, f"It is {BROKEN}, it fails to build since I changed requirements.txt.")
    await chatter(site, bob, topic.topic_id, 2)
    mention = await d.reply(alice, topic.topic_id, f"@{d.bot.username} could you have a look please?")
    assert mention.post_number == 25
    await site.post(mention)
    [answer] = d.bot_posts(topic.topic_id)
    assert answer.reply_to_post_number == 25 and BUILD_FAILURE in answer.raw  # post 22 was read
    # The process that posted it died before completing the unit: the sweep redoes it and finds the answer.
    claim = await site.forum.store.get_claim(f"discourse:post:{mention.id}:mention")
    assert claim is not None
    assert await site.forum.redo(claim) is None
    assert len(d.bot_posts(topic.topic_id)) == 1
    assert extra_reads(site, topic.topic_id) == 2  # one more request per reading of the topic


async def test_a_staff_answer_past_the_first_chunk_silences_the_bot(site: Site) -> None:
    d = site.discourse
    alice, bob, mod = d.add_user("alice"), d.add_user("bob"), d.add_user("mod-kim", moderator=True)
    topic = await d.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
    await chatter(site, bob, topic.topic_id, TOPIC_CHUNK)
    await d.reply(mod, topic.topic_id, "Looking at it: your pin has no wheel for Python 3.10.")
    asked = await d.reply(alice, topic.topic_id, f"@{d.bot.username} what do you think?")
    await site.post(asked)
    assert not d.bot_posts(topic.topic_id)


async def test_thanks_past_the_first_chunk_are_acknowledged_once_and_recorded(site: Site) -> None:
    d = site.discourse
    alice, bob = d.add_user("alice"), d.add_user("bob")
    topic = await d.create_topic(alice, HOME, "Build error after updating requirements", BROKEN_TEXT)
    await chatter(site, bob, topic.topic_id, TOPIC_CHUNK + 1)
    await site.post(await d.reply(alice, topic.topic_id, f"@{d.bot.username} still failing, could you check?"))
    [verdict] = d.bot_posts(topic.topic_id)
    assert verdict.post_number == 24
    thanks = await d.reply(alice, topic.topic_id, "Thanks, it works now!")
    await site.post(thanks)
    ack = d.bot_posts(topic.topic_id)[1:]
    assert [(p.raw, p.reply_to_post_number) for p in ack] == [(texts.say("en", "followup.resolved"), 25)]
    assert await site.forum.store.feedback_counts(verdict.id) == FeedbackCounts(helped=1, not_helped=0)
    claim = await site.forum.store.get_claim(f"discourse:post:{thanks.id}:followup")
    assert claim is not None
    assert await site.forum.redo(claim) == str(ack[0].id)  # redone: the acknowledgement is found, not repeated
    assert len(d.bot_posts(topic.topic_id)) == 2
