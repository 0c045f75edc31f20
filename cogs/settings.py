"""`/spacedoc …`: per-server settings for the help desk, for members with Manage Server.

Discord enforces the default permission server-side; admins may still grant the group to other roles
in Server Settings → Integrations, which is why the commands do not re-check it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Literal

import discord
from discord import app_commands
from discord.ext import commands

from spacedoc import egress
from spacedoc.store import GuildSettings, Store


def _mentions(ids: frozenset[int]) -> str:
    return ", ".join(f"<#{i}>" for i in sorted(ids)) or "none"


def describe_places(settings: GuildSettings) -> str:
    return f"**Help forums:** {_mentions(settings.help_forums)}\n**Help channels:** {_mentions(settings.help_channels)}"


def describe(settings: GuildSettings) -> str:
    """All settings as the admins read them."""
    role = f"<@&{settings.helper_role}>" if settings.helper_role else "none"
    return "\n".join(
        (
            describe_places(settings),
            f"**Auto-replies:** {'on' if settings.auto_reply else 'off'}",
            f"**Helper role:** {role}",
            f"**Revoke leaked Hugging Face tokens:** {'on' if settings.revoke else 'off'}",
        )
    )


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
        if not await self.store.claim(f"interaction:{interaction.id}"):
            return None
        return await self.store.get_guild_settings(interaction.guild_id)

    async def _update(self, interaction: discord.Interaction, message: str,
                      change: Callable[[GuildSettings], GuildSettings]) -> None:
        current = await self._settings_once(interaction)
        if current is None:
            return
        await self.store.save_guild_settings(change(current))
        await egress.respond(interaction, message, ephemeral=True)

    async def _show(self, interaction: discord.Interaction, render: Callable[[GuildSettings], str]) -> None:
        current = await self._settings_once(interaction)
        if current is not None:
            await egress.respond(interaction, render(current), ephemeral=True)

    @forum.command(name="add", description="Answer new posts in this forum automatically")
    async def forum_add(self, interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await self._update(interaction, f"New posts in {forum.mention} will get a diagnosis.",
                           lambda s: replace(s, help_forums=s.help_forums | {forum.id}))

    @forum.command(name="remove", description="Stop answering posts in this forum")
    async def forum_remove(self, interaction: discord.Interaction, forum: discord.ForumChannel) -> None:
        await self._update(interaction, f"{forum.mention} is no longer a help forum.",
                           lambda s: replace(s, help_forums=s.help_forums - {forum.id}))

    @channel.command(name="add", description="Watch this text channel for messages about a broken Space")
    async def channel_add(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._update(interaction, f"I will answer messages about a broken Space in {channel.mention}.",
                           lambda s: replace(s, help_channels=s.help_channels | {channel.id}))

    @channel.command(name="remove", description="Stop watching this text channel")
    async def channel_remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await self._update(interaction, f"{channel.mention} is no longer a help channel.",
                           lambda s: replace(s, help_channels=s.help_channels - {channel.id}))

    @app_commands.command(name="list", description="The help forums and channels I answer in")
    async def list_places(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, describe_places)

    @app_commands.command(name="autoreply", description="Turn automatic answers in help forums and channels on or off")
    async def autoreply(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self._update(interaction, f"Auto-replies are {state}.", lambda s: replace(s, auto_reply=state == "on"))

    @helper_role.command(name="set", description="Ping this role when someone says an answer did not help")
    async def helper_role_set(self, interaction: discord.Interaction, role: discord.Role) -> None:
        await self._update(interaction, f"Helper role set to {role.mention}.",
                           lambda s: replace(s, helper_role=role.id))

    @helper_role.command(name="clear", description="Ping no role when an answer did not help")
    async def helper_role_clear(self, interaction: discord.Interaction) -> None:
        await self._update(interaction, "Helper role cleared.", lambda s: replace(s, helper_role=None))

    @app_commands.command(name="revoke", description="Revoke Hugging Face tokens pasted in this server (default on)")
    async def revoke(self, interaction: discord.Interaction, state: Literal["on", "off"]) -> None:
        await self._update(interaction, f"Revoking leaked Hugging Face tokens is {state}.",
                           lambda s: replace(s, revoke=state == "on"))

    @app_commands.command(name="show", description="All Space Doctor settings for this server")
    async def show(self, interaction: discord.Interaction) -> None:
        await self._show(interaction, describe)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Settings(bot.store))
