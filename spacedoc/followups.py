"""Follow-ups on a verdict that need no diagnosis, each held as a lease (spacedoc.leases) so that it happens once,
also when its process dies (the redo), and sent with the claim's nonce:

- "thanks, it works now" (THANKS): a short acknowledgement in the person's language, and the verdict they follow
  recorded as helped (their vote, as if they had pressed Helped). From mentions (cogs/diagnose.py) and the original
  poster's messages in a help forum thread (cogs/helpdesk.py).
- a "Didn't help" vote (ESCALATE, from the verdict's buttons in spacedoc.views): the server's helper role pinged
  under the verdict, once per verdict however many people click.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from diagnosis import texts
from diagnosis.followup import Followup, read_followup
from spacedoc import egress
from spacedoc.discord_lookup import fetch_channel, fetch_message, find_reply, ready
from spacedoc.leases import NotDone, nonce
from spacedoc.store import Claim, Store

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50  # messages read back to find the verdict a follow-up is about
THANKS = "thanks"  # the kind of an acknowledgement's claim
ESCALATE = "escalate"  # the kind of an escalation's claim


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


async def escalate(claim: Claim, channel: discord.abc.Messageable, verdict: discord.Message | None) -> str:
    """Pings the helper role under a verdict that did not help (sent with the claim's nonce: once)."""
    role, user = claim.payload["role"], claim.payload["user"]
    lang = claim.payload.get("lang", texts.DEFAULT)
    try:
        ping = await egress.send(
            channel, texts.say(lang, "discord.helper_ping", role=f"<@&{role}>", user=f"<@{user}>"),
            reply_to=verdict, ping_roles=[discord.Object(role)], nonce=nonce(claim.key))
    except discord.HTTPException as exc:
        raise NotDone(f"could not ping the helpers: {exc}") from None
    return str(ping.id)


async def redo_escalation(bot: discord.Client, claim: Claim) -> str:
    """An escalation whose process died: pinged unless the ping is found under the verdict already."""
    await ready(bot)
    channel = await fetch_channel(bot, claim.payload["channel"])
    if channel is None or bot.user is None:
        return "gone"
    if (ping := await find_reply(channel, claim.payload["message"], bot.user.id)) is not None:
        return str(ping.id)
    return await escalate(claim, channel, await fetch_message(bot, claim.payload["channel"], claim.payload["message"]))
