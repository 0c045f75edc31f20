"""Follow-ups on Discord that need no diagnosis ("thanks, it works now"): a short acknowledgement in the person's
language, and the verdict they follow recorded as helped (their vote, as if they had pressed Helped).

Used by mentions (cogs/diagnose.py) and by the original poster's messages in a help forum thread
(cogs/helpdesk.py); the message is held as a lease (spacedoc.leases) of kind THANKS, so it is acknowledged once,
also when its process dies (`redo`) and the acknowledgement carries the claim's nonce.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from diagnosis import texts
from diagnosis.followup import Followup, read_followup
from spacedoc import egress
from spacedoc.discord_redo import fetch_message, find_reply, ready
from spacedoc.leases import NotDone, nonce
from spacedoc.store import Claim, Store

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50  # messages read back to find the verdict a follow-up is about
THANKS = "thanks"  # the kind of an acknowledgement's claim


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


def payload(message: discord.Message, verdict_id: int | None = None) -> dict[str, Any]:
    """What a THANKS claim holds: the ids to read the message again, and the verdict it follows when known."""
    return {"kind": THANKS, "channel": message.channel.id, "message": message.id, "verdict": verdict_id}


async def thank(bot: _Bot, claim: Claim, message: discord.Message, followup: Followup,
                verdict_id: int | None = None) -> str:
    """Thanks the person briefly (once: a retry looks for its earlier reply, and it carries the claim's nonce);
    "it works now" counts as their Helped vote on the verdict it follows (looked up when not given). Returns the
    reply's id; NotDone when Discord would not take it."""
    me = bot.user
    if claim.attempts > 1 and me is not None and (earlier := await find_reply(message.channel, message.id, me.id)):
        return str(earlier.id)
    if verdict_id is None:
        verdict_id = await verdict_followed(bot, message)
    if followup.resolved and verdict_id is not None:
        await bot.store.record_feedback(verdict_id, message.author.id, True)  # a second time changes nothing
    key = "followup.resolved" if followup.resolved else "followup.thanks"
    try:
        sent = await egress.send(message.channel, texts.say(followup.language, key), reply_to=message,
                                 nonce=nonce(claim.key))
    except discord.HTTPException as exc:
        raise NotDone(f"could not acknowledge message {message.id}: {exc}") from None
    return str(sent.id)


async def redo(bot: discord.Client, claim: Claim) -> str:
    """A thanks whose process died: the message read again and acknowledged, unless it is gone."""
    await ready(bot)
    message = await fetch_message(bot, claim.payload["channel"], claim.payload["message"])
    if message is None or bot.user is None:
        return "gone"
    followup = read_followup(re.sub(rf"<@!?{bot.user.id}>", " ", message.content))
    if followup is None:
        return "silent"  # edited since into something else
    return await thank(bot, claim, message, followup, claim.payload.get("verdict"))  # type: ignore[arg-type]
