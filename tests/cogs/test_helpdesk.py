"""Auto-replies against the sandbox Discord and Hub, with the real bot: forums, help channels, gates, incidents."""
from __future__ import annotations

import json

from diagnosis import texts
from sandbox.harness import BotHarness, all_text
from sandbox.hub import SCENARIO_DIR
from tests.helpers import PAUSED_REPORT, PAUSED_SPACE

STUCK = texts.say("en", "title.lifecycle_stuck")


async def test_forum_post_answered_exactly_once(forum: BotHarness) -> None:
    d = forum.discord
    alice, bob = d.add_user("alice"), d.add_user("bob")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    thread = int(post["id"])
    reply = await d.wait_for_bot_message(thread)
    assert reply["message_reference"]["message_id"] == post["id"]
    assert STUCK in all_text([reply])
    assert {c["custom_id"] for row in reply["components"] for c in row["components"]} >= {
        "spacedoc:recheck", "spacedoc:helped", "spacedoc:not-helped"}

    # Someone else chiming in is not the original poster: no answer. A gateway replay delivers the
    # starter message again: still one answer.
    await d.post(thread, bob, "Same for my Space https://huggingface.co/spaces/bob/app, stuck on Paused too!")
    await d.reconnect(replay=4)
    await forum.idle()
    assert len(d.bot_messages(thread)) == 1


async def test_answered_post_not_answered_again_after_restart(forum: BotHarness) -> None:
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    await d.wait_for_bot_message(int(post["id"]))
    await forum.restart()
    # After the restart the post is edited (a MESSAGE_UPDATE, not a new post) and the author follows up with
    # thanks: neither is a new question (the thanks get a short acknowledgement, not a second diagnosis).
    await d.edit(int(post["id"]), int(post["id"]), PAUSED_REPORT + " (edit: typo)")
    await d.post(int(post["id"]), alice, "thanks!")
    await forum.idle()
    replies = d.bot_messages(int(post["id"]))
    assert len(replies) == 2 and replies[0]["embeds"] and not replies[1]["embeds"]


async def test_solved_tag_silences(forum: BotHarness) -> None:
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT, tags=["solved"])
    await forum.idle()
    assert d.bot_messages(int(post["id"])) == []


async def test_op_followups_answered_up_to_the_cap_until_solved(forum: BotHarness) -> None:
    forum.use_policy(user_cooldown=0.0, followups_per_thread=1)
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "My Space is broken", "It does not work, please help me")
    thread = int(post["id"])
    first = await d.wait_for_bot_message(thread)
    followup = await d.post(thread, alice, PAUSED_REPORT)
    second = await d.wait_for_bot_message(thread, after=int(first["id"]))
    assert second["message_reference"]["message_id"] == followup["id"]
    assert PAUSED_SPACE in all_text([second])
    await d.post(thread, alice, PAUSED_REPORT + " Still the same today.")  # over the cap
    await forum.idle()
    assert len(d.bot_messages(thread)) == 2


async def test_helper_answer_silences_followups(forum: BotHarness) -> None:
    forum.use_policy(user_cooldown=0.0)
    d = forum.discord
    helpers = d.add_role("helpers")
    await forum.configure(helper_role=helpers)
    await forum.restart()  # the guild's roles arrive with GUILD_CREATE (the sandbox sends no GUILD_ROLE_CREATE)
    forum.use_policy(user_cooldown=0.0)
    alice, helen = d.add_user("alice"), d.add_user("helen", roles=[helpers])
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    thread = int(post["id"])
    await d.wait_for_bot_message(thread)
    await d.post(thread, helen, "I've pinged the infra team about your Space, hang on.")
    await d.post(thread, alice, PAUSED_REPORT + " Restarted again, same 503.")
    await forum.idle()
    assert len(d.bot_messages(thread)) == 1


async def test_solved_tag_added_later_silences_followups(forum: BotHarness) -> None:
    forum.use_policy(user_cooldown=0.0)
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    thread = int(post["id"])
    await d.wait_for_bot_message(thread)
    await d.set_thread_tags(thread, ["solved"])
    await d.post(thread, alice, PAUSED_REPORT + " Oh wait, it is running again.")
    await forum.idle()
    assert len(d.bot_messages(thread)) == 1


async def test_forum_thread_not_ready_is_retried(forum: BotHarness) -> None:
    d = forum.discord
    d.fail_new_forum_posts(1)
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    await d.wait_for_bot_message(int(post["id"]), timeout=5.0)
    assert len(d.bot_messages(int(post["id"]))) == 1


async def test_unconfigured_forum_and_autoreply_off_stay_silent(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    await harness.configure(help_forums=frozenset({d.help_forum}), auto_reply=False)
    second = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED again", PAUSED_REPORT)
    await harness.idle()
    assert d.bot_messages(int(post["id"])) == [] and d.bot_messages(int(second["id"])) == []


async def test_help_channel_answers_only_space_trouble_once_per_window(harness: BotHarness) -> None:
    harness.use_policy(user_cooldown=0.0)
    d = harness.discord
    await harness.configure(help_channels=frozenset({d.help_channel}))
    alice, bob = d.add_user("alice"), d.add_user("bob")
    chatter = [
        "good morning everyone, how is the new model release going?",
        "has anyone tried fine-tuning llama on a single GPU with this library?",
        "my Space is broken",  # too short and vague to act on
    ]
    for text in chatter:
        await d.post(d.help_channel, bob, text)
    await harness.idle()
    assert d.bot_messages(d.help_channel) == []

    question = await d.post(d.help_channel, alice, PAUSED_REPORT)
    reply = await d.wait_for_bot_message(d.help_channel)
    assert reply["message_reference"]["message_id"] == question["id"]
    await d.post(d.help_channel, alice, PAUSED_REPORT + " Any idea? It is still paused.")  # same conversation
    await harness.idle()
    assert len(d.bot_messages(d.help_channel)) == 1


async def test_a_new_forum_post_is_answered_within_the_cooldown(forum: BotHarness) -> None:
    """The cooldown is for chat: a second post by the same person (another Space, another problem) is a new
    question and was silently dropped."""
    d = forum.discord
    alice = d.add_user("alice")
    first = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    await d.wait_for_bot_message(int(first["id"]))
    second = await d.create_forum_post(d.help_forum, alice, "Another post", PAUSED_REPORT + " (second post)")
    assert await d.wait_for_bot_message(int(second["id"]))


async def test_per_user_cooldown_on_help_channel_chat(harness: BotHarness) -> None:
    d = harness.discord
    other_help = d.add_channel("help-2")
    await harness.restart()  # the new channel arrives with GUILD_CREATE
    await harness.configure(help_channels=frozenset({d.help_channel, other_help}))
    alice = d.add_user("alice")
    await harness.ask(d.help_channel, alice, PAUSED_REPORT)
    await d.post(other_help, alice, PAUSED_REPORT + " Asking here too.")  # within the cooldown
    await harness.idle()
    assert d.bot_messages(other_help) == []


async def test_forum_starter_message_before_its_thread_create_is_answered(forum: BotHarness) -> None:
    d = forum.discord
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT, starter_first=True)
    reply = await d.wait_for_bot_message(int(post["id"]))
    assert reply["message_reference"]["message_id"] == post["id"] and STUCK in all_text([reply])
    await forum.idle()
    assert len(d.bot_messages(int(post["id"]))) == 1


async def test_incident_detected_from_a_burst_of_reports(forum: BotHarness) -> None:
    d, hub = forum.discord, forum.hub
    # Unrelated owners' Spaces, each PAUSED at its running commit with nothing pushed since: nothing in any one
    # of them explains the pause, so the burst is what the verdict should point at.
    template = json.loads((SCENARIO_DIR / "lifecycle_paused_commits.json").read_text(encoding="utf-8"))
    template = {**template, "commits": template["commits"][-2:], "running_commit": 0}
    owners = ["heron-labs", "quokka-ml", "tern-data", "ibis-vision", "wren-audio"]
    for owner in owners:
        hub.set_scenario({**template, "id": f"{owner}/demo-app"})
    replies = []
    for owner in owners:
        person = d.add_user(owner)
        post = await d.create_forum_post(
            d.help_forum, person, "Space stuck on PAUSED",
            f"https://huggingface.co/spaces/{owner}/demo-app went to PAUSED an hour ago and restart fails with "
            "503. I did not change anything.")
        replies.append(await d.wait_for_bot_message(int(post["id"])))
    first, last = all_text(replies[:1]), all_text(replies[-1:])
    incident = texts.say("en", "title.platform_incident")
    assert texts.say("en", "title.lifecycle_stuck") in first and incident not in first
    assert incident in last  # because of the others:
    assert texts.say("en", "ev.recent_similar", similar=len(owners) - 1, window=20) in last


async def test_a_lone_surrogate_in_a_question_gets_one_answer(harness: BotHarness) -> None:
    """`\\udc80` reached the store after the verdict was posted: the write raised, and an apology followed."""
    d = harness.discord
    await harness.configure(help_channels=frozenset({d.help_channel}))
    reply = await harness.ask(d.help_channel, d.add_user("alice"), PAUSED_REPORT + " \udc80")
    await harness.idle()
    assert d.bot_messages(d.help_channel) == [reply] and texts.say("en", "title.lifecycle_stuck") in all_text([reply])
