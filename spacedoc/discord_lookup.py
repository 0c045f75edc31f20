"""Finding Discord channels and messages: from the cache when discord.py has them, else from the API.

Live events need them where discord.py's cache is behind (`message_channel`, `starter_message`); work redone from a
claim's payload (after a crash, in another process) finds its channel and message again by id (`fetch_channel`,
`fetch_message`) and what it left behind: a claim taken again may find its reply already posted (the process that
held it was killed after posting and before `complete()`). Within a few minutes Discord's nonce returns that reply
instead of a second one; later, before answering again, `find_reply` looks for it in the channel's recent history
(one request, only on a retry).
"""
from __future__ import annotations

import asyncio

import discord

from spacedoc.leases import NotDone

READY_TIMEOUT = 60.0  # a redo waits this long for the gateway before giving the claim back
HISTORY = 50  # messages read after the original when looking for an earlier reply


async def ready(bot: discord.Client) -> None:
    """Waits until the bot is connected and has its guilds (a redo reads channels from the cache)."""
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await bot.wait_until_ready()
    except TimeoutError:
        raise NotDone("Discord is not connected") from None


async def fetch_channel(bot: discord.Client, channel_id: int) -> discord.abc.Messageable | None:
    """The channel or thread, from the cache or Discord; None when it is gone or hidden from the bot."""
    channel = bot.get_channel(channel_id)
    if channel is not None:
        return channel  # type: ignore[return-value]
    try:
        return await bot.fetch_channel(channel_id)  # type: ignore[return-value]
    except (discord.NotFound, discord.Forbidden):
        return None
    except discord.HTTPException as exc:
        raise NotDone(f"cannot read channel {channel_id}: {exc}") from None


async def fetch_message(bot: discord.Client, channel_id: int, message_id: int) -> discord.Message | None:
    """The message as it is now; None when it was deleted (or the bot may no longer read it)."""
    channel = await fetch_channel(bot, channel_id)
    if channel is None:
        return None
    try:
        return await channel.fetch_message(message_id)
    except (discord.NotFound, discord.Forbidden):
        return None
    except discord.HTTPException as exc:
        raise NotDone(f"cannot read message {message_id}: {exc}") from None


async def find_reply(channel: discord.abc.Messageable, about: int, me: int, *,
                     marker: str | None = None) -> discord.Message | None:
    """The bot's message about message `about` among the messages posted after it: a reply to it, or (a message
    that can no longer be replied to, e.g. deleted) one whose text or embed footer holds `marker`."""
    try:
        async for message in channel.history(limit=HISTORY, after=discord.Object(about), oldest_first=True):
            if message.author.id != me:
                continue
            if message.reference is not None and message.reference.message_id == about:
                return message
            if marker is not None and (marker in message.content
                                       or any(marker in (e.footer.text or "") for e in message.embeds)):
                return message
    except discord.Forbidden:
        return None  # no Read Message History: the nonce is all there is
    except discord.HTTPException as exc:
        raise NotDone(f"cannot read the history after message {about}: {exc}") from None
    return None


async def message_channel(
    bot: discord.Client, message: discord.Message,
) -> discord.abc.GuildChannel | discord.Thread | None:
    """The channel or thread `message` was posted in. A forum post's starter message can arrive before its
    THREAD_CREATE, and discord.py then knows only the channel's id (a PartialMessageable): it is looked up
    again (the THREAD_CREATE may have come meanwhile), else fetched. None when it cannot be."""
    channel = message.channel
    if not isinstance(channel, discord.PartialMessageable):
        return channel  # type: ignore[return-value]
    cached = bot.get_channel(channel.id)
    if cached is not None:
        return cached  # type: ignore[return-value]
    try:
        fetched = await bot.fetch_channel(channel.id)
    except discord.HTTPException:
        return None
    return fetched if isinstance(fetched, (discord.abc.GuildChannel, discord.Thread)) else None


async def starter_message(thread: discord.Thread) -> discord.Message | None:
    """A thread's first message: in a forum it lives in the thread, else in the parent channel; both share
    the thread's id. None for a thread started without one, or when its author (or the secret moderation)
    deleted it."""
    if thread.starter_message is not None:
        return thread.starter_message
    where = thread if isinstance(thread.parent, discord.ForumChannel) else thread.parent
    if where is None:
        return None
    try:
        return await where.fetch_message(thread.id)
    except discord.NotFound:
        return None
