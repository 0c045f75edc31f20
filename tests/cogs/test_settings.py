"""`/spacedoc …` with the real bot: each setting changes, survives a restart, and only admins may use it."""
from __future__ import annotations

import pytest

from cogs.settings import describe, describe_places
from sandbox.discord_server import PERM_MANAGE_GUILD, ChannelOption, RoleOption
from sandbox.harness import BotHarness
from spacedoc.store import GuildSettings
from tests.helpers import PAUSED_REPORT


async def spacedoc(h: BotHarness, admin: dict, group: str | None, subcommand: str, **options: object) -> str:
    d = h.discord
    interaction = await d.invoke_slash("spacedoc", dict(options), user=admin, channel_id=d.general, group=group,
                                       subcommand=subcommand)
    response = await d.wait_for_response(interaction)
    assert interaction.ephemeral  # settings talk is between the bot and the admin
    return response["content"]


@pytest.fixture
def admin(harness: BotHarness) -> dict:
    d = harness.discord
    return d.add_user("mod-jo", roles=[d.add_role("mods", PERM_MANAGE_GUILD)])


async def test_every_setting_changes_and_survives_a_restart(harness: BotHarness, admin: dict) -> None:
    d = harness.discord
    helpers = d.add_role("helpers")
    store = harness.bot.store
    assert await store.get_guild_settings(d.guild_id) == GuildSettings(d.guild_id)

    await spacedoc(harness, admin, "forum", "add", forum=ChannelOption(d.help_forum))
    await spacedoc(harness, admin, "channel", "add", channel=ChannelOption(d.help_channel))
    await spacedoc(harness, admin, "channel", "add", channel=ChannelOption(d.general))
    await spacedoc(harness, admin, "channel", "remove", channel=ChannelOption(d.general))
    await spacedoc(harness, admin, "helper-role", "set", role=RoleOption(helpers))
    await spacedoc(harness, admin, None, "revoke", state="off")
    expected = GuildSettings(d.guild_id, help_forums=frozenset({d.help_forum}),
                             help_channels=frozenset({d.help_channel}), helper_role=helpers, revoke=False)
    assert await store.get_guild_settings(d.guild_id) == expected

    await harness.restart()
    shown = await spacedoc(harness, admin, None, "show")
    assert f"<#{d.help_forum}>" in shown and f"<#{d.help_channel}>" in shown and f"<#{d.general}>" not in shown
    assert f"<@&{helpers}>" in shown and shown == describe(expected)  # revoking: off
    listed = await spacedoc(harness, admin, None, "list")
    assert f"<#{d.help_forum}>" in listed and listed == describe_places(expected)  # the places only

    # The restarted bot acts on them: a new forum post is answered.
    post = await d.create_forum_post(d.help_forum, d.add_user("alice"), "Space stuck on PAUSED", PAUSED_REPORT)
    await d.wait_for_bot_message(int(post["id"]))

    await spacedoc(harness, admin, None, "autoreply", state="off")
    await spacedoc(harness, admin, "helper-role", "clear")
    await spacedoc(harness, admin, "forum", "remove", forum=ChannelOption(d.help_forum))
    assert await harness.bot.store.get_guild_settings(d.guild_id) == GuildSettings(
        d.guild_id, help_channels=frozenset({d.help_channel}), auto_reply=False, revoke=False)


async def test_only_members_with_manage_server_may_change_settings(harness: BotHarness) -> None:
    d = harness.discord
    with pytest.raises(PermissionError):
        await d.invoke_slash("spacedoc", {"state": "off"}, user=d.add_user("visitor"), channel_id=d.general,
                             subcommand="autoreply")
    assert (await harness.bot.store.get_guild_settings(d.guild_id)).auto_reply


async def test_a_redelivered_spacedoc_interaction_is_answered_once(harness: BotHarness, admin: dict) -> None:
    """Discord's delivery is at-least-once: the replayed command ran again, and answering it again was refused
    (40060), which logged an ERROR. The harness fails the test on any ERROR."""
    d = harness.discord
    interaction = await d.invoke_slash("spacedoc", {"forum": ChannelOption(d.help_forum)}, user=admin,
                                       channel_id=d.general, group="forum", subcommand="add")
    await d.wait_for_response(interaction)
    await d.reconnect(replay=3)
    await d.wait_for(lambda: any(e["t"] == "INTERACTION_CREATE" and e["d"]["id"] == str(interaction.id)
                                 for e in d.replayed))
    await harness.idle()
    callbacks = [r.status for r in d.requests if r.path.startswith(f"/interactions/{interaction.id}/")]
    assert callbacks == [200]
    assert (await harness.bot.store.get_guild_settings(d.guild_id)).help_forums == frozenset({d.help_forum})
