"""One error handler for Discord (spacedoc.discord_errors) with the real bot: a slash command, a button and a
listener that fail are logged and answered with an apology in the person's language — not left unanswered.

The failure is real: a table of the bot's own SQLite database is renamed away under it (as a botched manual
migration would), then put back to show the bot recovers.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from diagnosis import texts
from sandbox.discord_server import PERM_MANAGE_GUILD
from sandbox.harness import BotHarness

PAUSED = ("My Space https://huggingface.co/spaces/marlin-ai/chat-ui-stack is stuck on PAUSED since yesterday, "
          "restart does nothing and I pushed three commits.")


@contextmanager
def table_missing(h: BotHarness, table: str) -> Iterator[None]:
    with sqlite3.connect(h.db_path) as db:
        db.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        yield
    finally:
        with sqlite3.connect(h.db_path) as db:
            db.execute(f"ALTER TABLE {table}_away RENAME TO {table}")


async def test_a_failing_settings_command_gets_an_apology_only_its_user_sees(harness: BotHarness) -> None:
    d = harness.discord
    admin = d.add_user("mod-jo", roles=[d.add_role("mods", PERM_MANAGE_GUILD)])
    harness.allow_errors(r"^/spacedoc show failed$")
    with table_missing(harness, "claims"):
        interaction = await d.invoke_slash("spacedoc", {}, user=admin, channel_id=d.general, subcommand="show")
        response = await d.wait_for_response(interaction)
    assert interaction.ephemeral and response["content"] == texts.say("en", "discord.failed")
    assert [r.getMessage() for r in harness.logged_errors] == ["/spacedoc show failed"]
    assert harness.logged_errors[0].exc_info is not None  # the traceback is in the log

    again = await d.invoke_slash("spacedoc", {}, user=admin, channel_id=d.general, subcommand="show")
    assert (await d.wait_for_response(again))["content"] != texts.say("en", "discord.failed")


async def test_a_failing_recheck_names_the_step_in_the_request_s_language(harness: BotHarness) -> None:
    d = harness.discord
    alice = d.add_user("alice")
    verdict = await harness.ask(d.general, alice, f"{harness.mention()} {PAUSED}")
    harness.allow_errors(r"^button spacedoc:recheck failed while checking the Space again$")
    with table_missing(harness, "diagnoses"):  # read for incident detection before every diagnosis
        click = await d.click(d.general, int(verdict["id"]), "spacedoc:recheck", user=alice)
        await d.wait_for(lambda: d.followups(click))
    assert d.followups(click)[0]["content"] == texts.say("en", "discord.apology",
                                                         step=texts.say("en", "step.rechecking"))
    assert d.followups(click)[0]["flags"] & 64  # ephemeral
    assert d.message(d.general, int(verdict["id"]))["embeds"] == verdict["embeds"]  # the verdict stays as it was


async def test_a_mention_whose_handler_fails_gets_one_apology_in_its_language(harness: BotHarness) -> None:
    d = harness.discord
    li = d.add_user("li")
    harness.allow_errors(r"^handling on_message failed$")
    with table_missing(harness, "claims"):  # the mention cannot even be claimed
        reply = await harness.ask(d.general, li, f"{harness.mention()} 我的 Space 一直显示 PAUSED，重启也没用。")
    assert reply["content"] == texts.say("zh", "discord.failed")
    assert any(r.getMessage() == "handling on_message failed" for r in harness.logged_errors)
    assert len(d.bot_messages(d.general)) == 1
