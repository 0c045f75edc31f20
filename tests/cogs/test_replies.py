"""The reply rules of issue 10 through the real bot and the sandbox Discord and Hub: the decisive line first, stop
lines only when they apply, the e-mail draft only behind its button, visitors, follow-ups, Chinese.

Wording comes from `diagnosis.texts` (never written here), so texts can change or be translated."""
from __future__ import annotations

import pytest

from diagnosis import texts
from sandbox.harness import BotHarness, all_text
from spacedoc.store import FeedbackCounts
from tests.helpers import PAUSED_SPACE

pytestmark = pytest.mark.timeout(60)

CRASHING_SPACE = "tern-vision/sdxl-playground"  # RUNTIME_ERROR: memory limit exceeded


def field(message: dict, name: str) -> str:
    return next((f["value"] for f in message["embeds"][0].get("fields", []) if f["name"] == name), "")


def buttons(message: dict) -> set[str]:
    return {c["custom_id"] for row in message.get("components") or [] for c in row["components"]}


def stop_field(message: dict, lang: str = "en") -> str:
    return field(message, texts.say(lang, "ui.stop_doing"))


async def test_the_decisive_line_leads_and_stop_lines_apply_only_when_their_reason_does(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    # the Hub shows 6 commits the builder ignored: "stop pushing commits" applies though alice said nothing of them
    reply = await harness.ask(d.general, alice, f"{harness.mention()} my space {PAUSED_SPACE} is stuck on paused")
    description = reply["embeds"][0]["description"]
    assert description.splitlines()[1].startswith("> ")  # the decisive line, before the next actions
    assert "6" in description.splitlines()[1]
    assert texts.say("en", "stop.pushing") in stop_field(reply)
    assert texts.say("en", "stop.tokens") not in all_text([reply])  # no secret was posted
    assert "Subject:" not in all_text([reply]) and "spacedoc:email-draft" in buttons(reply)  # behind its button

    crash = await harness.ask(d.general, alice, f"{harness.mention()} my space {CRASHING_SPACE} keeps restarting")
    assert "Memory limit exceeded" in crash["embeds"][0]["description"].splitlines()[1]
    assert not stop_field(crash) and "spacedoc:email-draft" not in buttons(crash)


async def test_a_visitor_gets_a_visitors_advice(harness: BotHarness) -> None:
    d = harness.discord
    reply = await harness.ask(d.general, d.add_user("vera"),
                              f"{harness.mention()} Hi, your demo https://huggingface.co/spaces/{CRASHING_SPACE} is "
                              "down for me, it shows an error")
    text = all_text([reply])
    assert f"https://huggingface.co/spaces/{CRASHING_SPACE}/discussions" in text  # how to reach the owner
    assert "RUNTIME_ERROR" in text  # what the runtime says
    assert not stop_field(reply) and "spacedoc:email-draft" not in buttons(reply)
    owner_advice = texts.say("en", "act.memory_limit", limit="16Gi")
    assert owner_advice[:40] not in text  # no code change for someone who cannot make one


async def test_thanks_from_the_original_poster_is_acknowledged_and_recorded_not_diagnosed(forum: BotHarness) -> None:
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED",
                                     f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused.")
    thread = int(post["id"])
    verdict = await d.wait_for_bot_message(thread)
    thanks = await d.post(thread, alice, "Thanks, it works now!")
    ack = await d.wait_for_bot_message(thread, after=int(thanks["id"]))
    assert not ack["embeds"] and ack["content"] == texts.say("en", "followup.resolved")
    assert ack["message_reference"]["message_id"] == thanks["id"]
    assert await forum.bot.store.feedback_counts(int(verdict["id"])) == FeedbackCounts(helped=1, not_helped=0)
    # someone else's thanks in the thread are not the original poster's: no answer
    await d.post(thread, d.add_user("bob"), "thanks, works for me too")
    await d.reconnect(replay=4)  # and a replayed event is acknowledged once
    await forum.idle()
    assert len(d.bot_messages(thread)) == 2


async def test_thanks_in_a_mention_is_acknowledged_not_diagnosed(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    verdict = await harness.ask(d.general, alice, f"{harness.mention()} my space {PAUSED_SPACE} is stuck on paused")
    ack = await harness.ask(d.general, alice, f"{harness.mention()} thank you, that fixed it")
    assert not ack["embeds"] and ack["content"] == texts.say("en", "followup.resolved")
    assert await harness.bot.store.feedback_counts(int(verdict["id"])) == FeedbackCounts(helped=1, not_helped=0)
    thanks = await harness.ask(d.general, d.add_user("bob"), f"{harness.mention()} 谢谢！")
    assert thanks["content"] == texts.say("zh", "followup.thanks")  # thanks alone: acknowledged, no vote
    assert await harness.bot.store.feedback_counts(int(verdict["id"])) == FeedbackCounts(helped=1, not_helped=0)
    assert len(harness.hub.calls) and sum(1 for m in d.bot_messages(d.general) if m["embeds"]) == 1


async def test_a_chinese_request_gets_a_chinese_reply_and_buttons(harness: BotHarness) -> None:
    d = harness.discord
    reply = await harness.ask(d.general, d.add_user("li"),
                              f"{harness.mention()} 我的 Space https://huggingface.co/spaces/{PAUSED_SPACE} 一直是 "
                              "Paused，重启也没用，怎么办？")
    embed = reply["embeds"][0]
    assert embed["title"].endswith(texts.say("zh", "title.lifecycle_stuck"))
    assert texts.detect_language(embed["description"]) == "zh"
    labels = {c["label"] for row in reply["components"] for c in row["components"]}
    assert texts.say("zh", "discord.button.helped") in labels
    click = await d.click(d.general, int(reply["id"]), "spacedoc:email-draft", user=d.add_user("li2"))
    draft = (await d.wait_for_response(click))["content"]
    assert click.ephemeral and texts.say("zh", "ui.email_intro") in draft
    assert f"Space URL: https://huggingface.co/spaces/{PAUSED_SPACE}" in draft  # the draft itself stays English
