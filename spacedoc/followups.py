"""Follow-ups on Discord that need no diagnosis ("thanks, it works now"): a short acknowledgement in the person's
language, and the verdict they follow recorded as helped (their vote, as if they had pressed Helped).

Used by mentions (cogs/diagnose.py) and by the original poster's messages in a help forum thread
(cogs/helpdesk.py); the caller has claimed the message, so it is acknowledged once.
"""
from __future__ import annotations

import logging
from typing import Protocol

import discord

from diagnosis import texts
from diagnosis.followup import Followup
from spacedoc import egress
from spacedoc.store import Store

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50  # messages read back to find the verdict a follow-up is about


class _Bot(Protocol):
    store: Store
    user: discord.ClientUser | None


async def verdict_followed(bot: _Bot, message: discord.Message) -> int | None:
    """The id of the bot's verdict `message` follows: the one it replies to, else the latest one before it in the
    channel; None when the bot gave none there."""
    ref = message.reference
    if ref is not None and ref.message_id is not None and await bot.store.get_verdict_context(ref.message_id):
        return ref.message_id
    me = bot.user
    if me is None:
        return None
    try:
        async for earlier in message.channel.history(limit=HISTORY_LIMIT, before=message):
            if earlier.author.id == me.id and await bot.store.get_verdict_context(earlier.id) is not None:
                return earlier.id
    except discord.HTTPException as exc:  # no Read Message History here: thanked, just not recorded
        log.warning("cannot read the history before message %s: %s", message.id, exc)
    return None


async def acknowledge(bot: _Bot, message: discord.Message, followup: Followup, verdict_id: int | None = None) -> None:
    """Thanks the person briefly; "it works now" counts as their Helped vote on the verdict it follows (looked up
    when not given). A failure is logged, never raised: the message was claimed, and a follow-up is a courtesy."""
    try:
        if verdict_id is None:
            verdict_id = await verdict_followed(bot, message)
        if followup.resolved and verdict_id is not None:
            await bot.store.record_feedback(verdict_id, message.author.id, True)
        key = "followup.resolved" if followup.resolved else "followup.thanks"
        await egress.send(message.channel, texts.say(followup.language, key), reply_to=message)
    except Exception:
        log.exception("acknowledging follow-up message %s failed", message.id)
