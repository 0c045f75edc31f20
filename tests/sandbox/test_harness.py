"""The harness's own contract: `idle()` returns only once the bot has handled everything it was sent, so that a check
of silence after it goes red when the bot answers late.

Each test switches off a gate that a silence check relies on, slows the sandbox Hub so that the answer the gate used
to stop is still being diagnosed when the event has been read, and requires that answer to be there right after
`idle()`. (The pause `settle()` used before returned 0.15 s after the typing indicator, while the diagnosis still
waited on the Hub: the per-user cooldown check passed with its gate off.)
"""
from __future__ import annotations

import pytest

from diagnosis import texts
from sandbox.harness import BotHarness, all_text
from tests.helpers import PAUSED_REPORT

SLOW_MS = 400  # each Hub answer: several sequential probes, well past any quiet period a pause would wait out
BUILD_FAILURE = "https://huggingface.co/spaces/orchid-nlp/summarizer"  # not cached by the first diagnosis
BUILD_FAILURE_REPORT = f"My Space {BUILD_FAILURE} fails to build since I changed requirements.txt, what is wrong?"

pytestmark = pytest.mark.timeout(60)


async def test_idle_waits_for_an_auto_reply_the_gate_should_have_stopped(harness: BotHarness) -> None:
    d = harness.discord
    await harness.configure(help_channels=frozenset({d.help_channel}))
    harness.use_policy(user_cooldown=0.0, conversation_window=0.0)  # the per-user cooldown and window: off
    alice = d.add_user("alice")
    await harness.ask(d.help_channel, alice, PAUSED_REPORT)
    harness.hub.latency_ms = SLOW_MS
    again = await d.post(d.help_channel, alice, BUILD_FAILURE_REPORT)
    await harness.idle()
    late = d.bot_messages(d.help_channel)[-1]
    assert late["message_reference"]["message_id"] == again["id"]
    assert texts.say("en", "title.build_failure") in all_text([late])


async def test_idle_waits_for_an_application_command_to_finish(harness: BotHarness) -> None:
    d = harness.discord
    harness.hub.latency_ms = SLOW_MS
    interaction = await d.invoke_slash("diagnose", {"space": BUILD_FAILURE}, user=d.add_user("bob"),
                                       channel_id=d.general)
    await harness.idle()
    answer = d.interaction_response(interaction)
    assert answer is not None and answer["embeds"]  # the verdict, not "thinking…" or a progress line


async def test_idle_waits_for_a_button_to_finish(harness: BotHarness) -> None:
    d = harness.discord
    question = await harness.ask(d.general, d.add_user("carol"), f"{harness.mention()} {BUILD_FAILURE_REPORT}")
    channel, verdict = int(question["channel_id"]), int(question["id"])
    scenario = harness.hub.scenarios["orchid-nlp/summarizer"]
    harness.hub.set_scenario({**scenario, "runtime": {**scenario["runtime"], "stage": "SLEEPING"}})
    await harness.restart()  # no cached evidence: the re-check asks the (slow) Hub again
    harness.hub.latency_ms = SLOW_MS
    await d.click(channel, verdict, "spacedoc:recheck", user=d.add_user("dan"))
    await harness.idle()
    assert "SLEEPING" in all_text([d.message(channel, verdict)])  # the edit shows the new runtime stage
