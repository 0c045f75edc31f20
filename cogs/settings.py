"""`/spacedoc …`: per-server settings for the help desk, for members with Manage Server.

Discord enforces the default permission server-side; admins may still grant the group to other roles
in Server Settings → Integrations, which is why the commands do not re-check it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from diagnosis import texts
from spacedoc import egress
from spacedoc.leases import claim_once
from spacedoc.store import GuildSettings, Store

SETTINGS = "settings"  # the kind of a settings command's claim


def _mentions(ids: frozenset[int], lang: str) -> str:
    return ", ".join(f"<#{i}>" for i in sorted(ids)) or texts.say(lang, "settings.none")


def describe_places(settings: GuildSettings, lang: str = texts.DEFAULT) -> str:
    return texts.say(lang, "settings.places", forums=_mentions(settings.help_forums, lang),
                     channels=_mentions(settings.help_channels, lang))


def describe(settings: GuildSettings, lang: str = texts.DEFAULT) -> str:
    """All settings as the admins read them."""
    def state(on: bool) -> str:
        return texts.say(lang, "settings.on" if on else "settings.off")

    role = f"<@&{settings.helper_role}>" if settings.helper_role else texts.say(lang, "settings.none")
    return texts.say(lang, "settings.all", places=describe_places(settings, lang),
                     auto_reply=state(settings.auto_reply), role=role, revoke=state(settings.revoke))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Settings(commands.GroupCog, group_name="spacedoc", group_description="Space Doctor settings for this server"):
    """Each command shows the settings, or changes them and confirms, once per interaction: Discord may deliver
    an interaction again (a gateway replay), and answering it twice is refused (40060)."""

    # Subgroups are class attributes so that GroupCog nests them under /spacedoc.
    forum = app_commands.Group(name="forum", description="Help forums where new posts get an automatic diagnosis")
    channel = app_commands.Group(name="channel", description="Help text channels watched for broken-Space messages")
    helper_role = app_commands.Group(name="helper-role", description="The role pinged when an answer did not help")

    def __init__(self, store: Store) -> None:
        self.store = store

    async def _settings_once(self, interaction: discord.Interaction) -> GuildSettings | None:
        """This server's settings, or None when this interaction was answered already."""
        assert interaction.guild_id is not None  # the group is guild-only
        if not await claim_once(self.store, f"interaction:{interaction.id}", SETTINGS):
            return None
        return await self.store.get_guild_settings(interaction.guild_id)

    async def _update(self, interaction: discord.Interaction, said: str,
                      change: Callable[[GuildSettings], GuildSettings], **args: str) -> None:
        """Applies `change` and confirms with the text `said` (a key of diagnosis.texts) in the admin's language."""
        current = await self._settings_once(interaction)
        if current is None:
            return
        await self.store.save_guild_settings(change(current))
        await egress.respond(interaction, texts.say(_language(interaction), said, **args), ephemeral=True)

    async def _show(self, interaction: discord.Interaction, render: Callable[[GuildSettings, str], str]) -> None:
        current = await self._settings_once(interaction)
        if current is not None:
            await egress.respond(interaction, render(current, _language(interaction)), ephemeral=True)

    @forum.command(name="add", description="Answer new posts in this forum automatically")
    async def forum_add(self, interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await self._update(interaction, "settings.forum_added",
                           lambda s: replace(s, help_forums=s.help_forums | {forum.id}), forum=forum.mention)

    @forum.command(name="remove", description="Stop answering posts in this forum")
    async def forum_remove(self, interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await self._update(interaction, "settings.forum_removed",
                           lambda s: replace(s, help_forums=s.help_forums - {forum.id}), forum=forum.mention)

    @channel.command(name="add", description="Watch this text channel for messages about a broken Space")
    async def channel_add(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._update(interaction, "settings.channel_added",
                           lambda s: replace(s, help_channels=s.help_channels | {channel.id}), channel=channel.mention)

    @channel.command(name="remove", description="Stop watching this text channel")
    async def channel_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._update(interaction, "settings.channel_removed",
                           lambda s: replace(s, help_channels=s.help_channels - {channel.id}), channel=channel.mention)

    @app_commands.command(name="list", description="The help forums and channels I answer in")
    async def list_places(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, describe_places)

    @app_commands.command(name="autoreply", description="Turn automatic answers in help forums and channels on or off")
    async def autoreply(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self._update(interaction, f"settings.autoreply_{state}", lambda s: replace(s, auto_reply=state == "on"))

    @helper_role.command(name="set", description="Ping this role when someone says an answer did not help")
    async def helper_role_set(self, interaction: discord.Interaction, role: discord.Role) -> None:
        await self._update(interaction, "settings.helper_set", lambda s: replace(s, helper_role=role.id),
                           role=role.mention)

    @helper_role.command(name="clear", description="Ping no role when an answer did not help")
    async def helper_role_clear(self, interaction: discord.Interaction) -> None:
        await self._update(interaction, "settings.helper_cleared", lambda s: replace(s, helper_role=None))

    @app_commands.command(name="revoke", description="Revoke Hugging Face tokens pasted in this server (default on)")
    async def revoke(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self._update(interaction, f"settings.revoke_{state}", lambda s: replace(s, revoke=state == "on"))

    @app_commands.command(name="show", description="All Space Doctor settings for this server")
    async def show(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, describe)


def _language(interaction: discord.Interaction) -> str:
    """The admin's own language (their Discord client's), for answers only they see."""
    return texts.from_locale(str(interaction.locale))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Settings(bot.store))
