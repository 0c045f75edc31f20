"""The verdict buttons with the real bot: Re-check, Helped / Didn't help, Support e-mail draft — also after a
restart."""
from __future__ import annotations

import json

import pytest

from diagnosis import texts
from sandbox.harness import BotHarness, all_text
from sandbox.hub import SCENARIO_DIR
from spacedoc.store import FeedbackCounts
from tests.helpers import PAUSED_REPORT, PAUSED_SPACE

STUCK = texts.say("en", "title.lifecycle_stuck")


@pytest.fixture
async def verdict(harness: BotHarness) -> tuple[BotHarness, dict]:
    """A forum post about a PAUSED Space and the bot's verdict on it (with its buttons)."""
    d = harness.discord
    await harness.configure(help_forums=frozenset({d.help_forum}))
    alice = d.add_user("alice")
    post = await d.create_forum_post(d.help_forum, alice, "Space stuck on PAUSED", PAUSED_REPORT)
    return harness, await d.wait_for_bot_message(int(post["id"]))


def button_ids(message: dict) -> set[str]:
    return {c["custom_id"] for row in message["components"] for c in row["components"]}


async def test_recheck_after_restart_edits_the_verdict_in_place(verdict: tuple[BotHarness, dict]) -> None:
    h, message = verdict
    d = h.discord
    channel, mid = int(message["channel_id"]), int(message["id"])
    assert STUCK in all_text([message])

    # The owner fixed it meanwhile (a new bot process: no cached evidence either).
    scenario = json.loads((SCENARIO_DIR / "lifecycle_paused_commits.json").read_text(encoding="utf-8"))
    scenario["runtime"] = {**scenario["runtime"], "stage": "SLEEPING"}
    h.hub.set_scenario(scenario)
    await h.restart()

    bob = d.add_user("bob")
    before = len(d.bot_messages(channel))
    click = await d.click(channel, mid, "spacedoc:recheck", user=bob)
    await d.wait_for(lambda: STUCK not in all_text([d.message(channel, mid)]))
    edited = d.message(channel, mid)
    assert PAUSED_SPACE in all_text([edited]) and texts.say("en", "title.sleeping") in all_text([edited])
    assert "spacedoc:recheck" in button_ids(edited)
    assert len(d.bot_messages(channel)) == before  # edited, not a new message
    assert click.response_type == 6


async def test_votes_one_per_person_and_didnt_help_pings_helpers_once(verdict: tuple[BotHarness, dict]) -> None:
    h, message = verdict
    d = h.discord
    channel, mid = int(message["channel_id"]), int(message["id"])
    helpers = d.add_role("helpers")
    await h.configure(helper_role=helpers)
    await h.restart()

    alice, bob = d.add_user("alice2"), d.add_user("bob")
    for user, button in ((alice, "spacedoc:helped"), (alice, "spacedoc:not-helped"), (bob, "spacedoc:not-helped")):
        click = await d.click(channel, mid, button, user=user)
        response = await d.wait_for_response(click)
        assert click.ephemeral and response["content"]
    assert await h.bot.store.feedback_counts(mid) == FeedbackCounts(helped=0, not_helped=2)

    await h.idle()
    pings = [r for r in d.requests
             if r.method == "POST" and r.path == f"/channels/{channel}/messages" and f"<@&{helpers}>" in r.text()]
    assert len(pings) == 1  # two people said it did not help: the helpers are pinged once
    mentions = pings[0].body["allowed_mentions"]
    assert [str(r) for r in mentions.get("roles", [])] == [str(helpers)]
    assert "everyone" not in mentions.get("parse", []) and "roles" not in mentions.get("parse", [])

    # Votes survive a restart, and a person who changes their mind still has one vote.
    await h.restart()
    await d.wait_for_response(await d.click(channel, mid, "spacedoc:helped", user=alice))
    assert await h.bot.store.feedback_counts(mid) == FeedbackCounts(helped=1, not_helped=1)


async def test_email_draft_is_ephemeral_and_redacted(verdict: tuple[BotHarness, dict]) -> None:
    h, message = verdict
    d = h.discord
    assert "spacedoc:email-draft" in button_ids(message)
    await h.restart()
    click = await d.click(int(message["channel_id"]), int(message["id"]), "spacedoc:email-draft",
                          user=d.add_user("alice2"))
    response = await d.wait_for_response(click)
    assert click.ephemeral
    assert "website@huggingface.co" in response["content"] and PAUSED_SPACE in response["content"]


async def test_no_email_button_where_staff_need_not_act(harness: BotHarness) -> None:
    d = harness.discord
    await harness.configure(help_forums=frozenset({d.help_forum}))
    post = await d.create_forum_post(
        d.help_forum, d.add_user("carol"), "Build error",
        "Build error on my Space https://huggingface.co/spaces/orchid-nlp/summarizer after I updated requirements.txt")
    reply = await d.wait_for_bot_message(int(post["id"]))
    assert texts.say("en", "title.build_failure") in all_text([reply])
    assert "spacedoc:email-draft" not in button_ids(reply) and "spacedoc:recheck" in button_ids(reply)


async def test_a_redelivered_click_is_handled_once(verdict: tuple[BotHarness, dict]) -> None:
    h, message = verdict
    d = h.discord
    click = await d.click(int(message["channel_id"]), int(message["id"]), "spacedoc:helped", user=d.add_user("dan"))
    await d.wait_for_response(click)
    await d.reconnect(replay=3)
    await d.wait_for(lambda: any(e["t"] == "INTERACTION_CREATE" and e["d"]["id"] == str(click.id) for e in d.replayed))
    await h.idle()
    assert [r.status for r in d.requests if r.path.startswith(f"/interactions/{click.id}/")] == [200]
    assert await h.bot.store.feedback_counts(int(message["id"])) == FeedbackCounts(helped=1, not_helped=0)


async def test_answers_do_not_pile_up_in_the_view_store(verdict: tuple[BotHarness, dict]) -> None:
    """Every verdict carries buttons, yet discord.py keeps one view only: the persistent one registered at start,
    which answers clicks on all of them (a view kept per message would stay in memory for ever)."""
    h, first = verdict
    d = h.discord
    asker = d.add_user("erin")
    answers = [first]
    for n in range(5):
        answers.append(await h.ask(d.general, asker, f"{h.mention()} my Space https://huggingface.co/spaces/"
                                                     f"{PAUSED_SPACE} is stuck on PAUSED ({n})"))
    slash = await d.invoke_slash("diagnose", {"space": PAUSED_SPACE}, user=asker, channel_id=d.general)
    answers.append(await d.wait_for_response(slash, lambda m: bool(m["embeds"])))
    assert all("spacedoc:recheck" in button_ids(answer) for answer in answers)
    assert len(h.bot.persistent_views) == 1
    for answer in (answers[0], answers[-1]):  # the buttons still answer, on any of them
        click = await d.click(int(answer["channel_id"]), int(answer["id"]), "spacedoc:helped", user=asker)
        assert (await d.wait_for_response(click))["content"]
    assert len(h.bot.persistent_views) == 1
