"""The reply rules of issue 10 on the Discourse adapter (`forum.adapter.Forum` against the sandbox Discourse and
Hub): the e-mail draft goes privately to the topic's author, thanks are acknowledged and recorded instead of
diagnosed, visitors and Chinese requests get their own replies.

Wording comes from `diagnosis.texts` (never written here), so texts can change or be translated."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from diagnosis import texts
from diagnosis.hub import HubClient
from diagnosis.leaks import rotation_lines
from diagnosis.redact import redact
from diagnosis.revocation import RevocationStatus
from forum.adapter import Forum
from forum.client import DiscourseClient
from sandbox.discourse import SandboxDiscourse
from sandbox.hub import SandboxHub
from sandbox.secretgen import SecretGen
from spacedoc.config import DiscourseConfig
from spacedoc.leases import Leases
from spacedoc.revocations import Revocations
from spacedoc.store import FeedbackCounts, open_store
from tests.helpers import PAUSED_SPACE

HOME = 24
CRASHING_SPACE = "tern-vision/sdxl-playground"
CJK = re.compile(r"[\u4e00-\u9fff]")


class Site:
    def __init__(self, discourse: SandboxDiscourse, forum: Forum) -> None:
        self.discourse, self.forum = discourse, forum

    async def post(self, post: Any) -> None:
        """The adapter handles the post as a webhook brings it (and does all its work before returning)."""
        await self.forum.handle(self.discourse.post_json(post, webhook=True))


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    async with SandboxDiscourse(create_post_interval=0) as discourse, SandboxHub() as hub_server:
        config = DiscourseConfig(url=discourse.url, api_key=discourse.api_key, api_username=discourse.bot.username,
                                 categories=frozenset({HOME}))
        store = await open_store(str(tmp_path / "forum.sqlite3"))
        async with DiscourseClient(discourse.url, discourse.api_key, discourse.bot.username) as client, \
                HubClient(hub_server.endpoint, status_url=hub_server.status_url) as hub:
            forum = Forum(client, hub, store, config, Leases(store), Revocations(store, hub.revoke_credentials))
            await forum.start()
            yield Site(discourse, forum)
            await forum.close()
        await store.close()
    assert not discourse.unhandled


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
