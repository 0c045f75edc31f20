"""The reply rules of issue 10 on the Discourse adapter (`forum.adapter.Forum` against the sandbox Discourse and
Hub): the e-mail draft goes privately to the topic's author, thanks are acknowledged and recorded instead of
diagnosed, visitors and Chinese requests get their own replies.

Wording comes from `diagnosis.texts` (never written here), so texts can change or be translated."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from diagnosis import texts
from diagnosis.leaks import revocation_outcome, rotation_lines
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from forum.client import MAX_TRIES
from sandbox.secretgen import SecretGen
from spacedoc.store import FeedbackCounts
from tests.forum.conftest import HOME, Site  # and the `site` fixture
from tests.helpers import PAUSED_SPACE

CRASHING_SPACE = "tern-vision/sdxl-playground"
CJK = re.compile(r"[\u4e00-\u9fff]")


async def test_the_email_draft_goes_privately_to_the_author_not_into_the_topic(site: Site) -> None:
    d = site.discourse
    alice = d.add_user("alice")
    post = await d.create_topic(alice, HOME, "Space stuck on Paused",
                                f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused.")
    await site.post(post)
    answer = d.bot_posts(post.topic_id)[0].raw
    assert "Subject:" not in answer and "Space URL:" not in answer and "[details" not in answer
    assert texts.say("en", "forum.email_sent", username="alice") in answer
    [message] = d.private_messages_to("alice")
    assert "To: website@huggingface.co" in message.raw
    assert f"Space URL: https://huggingface.co/spaces/{PAUSED_SPACE}" in message.raw


async def test_the_email_draft_follows_the_answer_once_when_the_answer_had_to_be_retried(site: Site) -> None:
    d = site.discourse
    alice = d.add_user("alice")
    post = await d.create_topic(alice, HOME, "Space stuck on Paused",
                                f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused.")
    d.inject_error("POST", r"^/posts\.json$", 502, times=MAX_TRIES, body_pattern='"topic_id"')  # the answer only
    await site.post(post)
    assert not d.bot_posts(post.topic_id) and not d.private_messages_to("alice")
    assert await site.leases.sweep_once() == 1  # the unit given back is redone
    [answer] = d.bot_posts(post.topic_id)
    [message] = d.private_messages_to("alice")
    assert "To: website@huggingface.co" in message.raw and message.id > answer.id


async def test_no_email_draft_when_the_forum_refuses_the_answer(site: Site) -> None:
    d = site.discourse
    alice = d.add_user("alice")
    post = await d.create_topic(alice, HOME, "Space stuck on Paused",
                                f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused.")
    d.inject_error("POST", r"^/posts\.json$", 422, "This topic is closed.", body_pattern='"topic_id"')
    await site.post(post)
    assert not d.bot_posts(post.topic_id) and not d.private_messages_to("alice")


async def test_a_topic_without_a_draft_sends_no_private_message(site: Site) -> None:
    d = site.discourse
    post = await d.create_topic(d.add_user("carl"), HOME, "Crash",
                                f"My Space https://huggingface.co/spaces/{CRASHING_SPACE} keeps restarting.")
    await site.post(post)
    answer = d.bot_posts(post.topic_id)[0].raw
    assert "Memory limit exceeded" in answer.split("\n\n")[1]  # the decisive line, right after the title
    assert not d.private_messages_to("carl")


async def test_thanks_from_the_author_is_acknowledged_and_recorded_not_diagnosed(site: Site) -> None:
    d = site.discourse
    alice, bob = d.add_user("alice"), d.add_user("bob")
    post = await d.create_topic(alice, HOME, "Space stuck on Paused",
                                f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused.")
    await site.post(post)
    verdict = d.bot_posts(post.topic_id)[0]
    await site.post(await d.reply(alice, post.topic_id, "Thanks, it works now!"))
    ack = d.bot_posts(post.topic_id)[1]
    assert ack.raw == texts.say("en", "followup.resolved") and ack.reply_to_post_number == 3
    assert await site.forum.store.feedback_counts(verdict.id) == FeedbackCounts(helped=1, not_helped=0)
    await site.post(await d.reply(bob, post.topic_id, "thanks, that works for me too"))  # not the author, no mention
    assert len(d.bot_posts(post.topic_id)) == 2
    mention = await d.reply(bob, post.topic_id, f"@{d.bot.username} thank you!")  # a mention: acknowledged
    await site.post(mention)
    assert d.bot_posts(post.topic_id)[2].raw == texts.say("en", "followup.thanks")
    assert await site.forum.store.feedback_counts(verdict.id) == FeedbackCounts(helped=1, not_helped=0)


async def test_a_visitor_and_a_chinese_request_get_their_own_replies(site: Site) -> None:
    d = site.discourse
    visitor = await d.create_topic(d.add_user("vera"), HOME, "Demo down",
                                   f"Hi, your demo https://huggingface.co/spaces/{CRASHING_SPACE} is down for me.")
    await site.post(visitor)
    answer = d.bot_posts(visitor.topic_id)[0].raw
    assert f"https://huggingface.co/spaces/{CRASHING_SPACE}/discussions" in answer
    assert texts.say("en", "ui.stop") not in answer and not d.private_messages_to("vera")

    chinese = await d.create_topic(d.add_user("li"), HOME, "Space 一直暂停",
                                   f"我的 Space https://huggingface.co/spaces/{PAUSED_SPACE} 一直是 Paused，"
                                   "重启也没用，怎么办？")
    await site.post(chinese)
    answer = d.bot_posts(chinese.topic_id)[0].raw
    assert texts.say("zh", "title.lifecycle_stuck") in answer and texts.detect_language(answer) == "zh"
    [message] = d.private_messages_to("li")
    assert texts.detect_language(message.raw.split("```")[1]) == "en"  # the draft for HF support stays English


async def test_a_chinese_author_is_told_of_a_leak_in_chinese_only(site: Site) -> None:
    d = site.discourse
    token = SecretGen(seed=21).sample("huggingface").secret
    text = f"我的 Space 启动失败，日志说 token 无效：HF_TOKEN={token}，请问怎么办？"
    await site.post(await d.create_topic(d.add_user("wei"), HOME, "Space 启动失败", text))
    [message] = d.private_messages_to("wei")
    found = redact(text)
    assert all(line in message.raw for line in rotation_lines(found, RevocationStatus.PENDING, "zh"))
    assert not any(line in message.raw for line in rotation_lines(found, RevocationStatus.PENDING, "en"))
    assert all(CJK.search(line) for line in message.raw.splitlines() if line.strip())
    await site.forum.revocations.run_once()  # the Hub accepts it
    await site.forum.revocations.run_once()  # then the same conversation says so, in Chinese too
    [told] = [d.posts[i] for i in d.topics[message.topic_id].post_ids[1:]]
    assert told.raw == revocation_outcome(RevocationStatus.REVOKED, "zh")


async def test_a_leak_finished_from_its_payload_promises_no_revocation_never_recorded(site: Site,
                                                                                       tmp_path: Path) -> None:
    """Recording the token failed (the store), so its work went back; the author took the token out meanwhile.
    The redo tells the author from the claim's payload, which holds no token: nothing will revoke it, and the
    message must say so instead of promising a revocation."""
    d = site.discourse
    with sqlite3.connect(tmp_path / "forum.sqlite3") as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON pending_revocations"
                   " BEGIN SELECT RAISE(FAIL, 'disk full'); END")
    token = SecretGen(seed=23).sample("huggingface").secret
    text = f"My Space gets 401 with HF_TOKEN={token} since this morning."
    alice = d.add_user("alice")
    post = await d.create_topic(alice, HOME, "401 from the Hub", text)
    await site.post(post)
    assert not d.private_messages_to("alice")
    await d.edit(alice, post.id, "My Space gets 401 with HF_TOKEN=(removed) since this morning.")
    assert await site.leases.sweep_once()
    [message] = d.private_messages_to("alice")
    found = redact(text)
    assert all(line in message.raw for line in rotation_lines(found, None))
    assert not any(line in message.raw for line in rotation_lines(found, RevocationStatus.PENDING)
                   if line not in rotation_lines(found, None))
