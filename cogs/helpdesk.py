"""Auto-replies in the server's help forums and help text channels.

Forums: the trigger is the post's starter message (its id is the thread id), not THREAD_CREATE, which
avoids Discord's 40058 race (egress retries once more if it still happens); a starter message that arrives
before its THREAD_CREATE is answered too (its thread is fetched). Then the original poster's follow-ups, up
to a small cap. Text channels: only messages clearly about a broken Space, once per person per
conversation window.

Silent when the thread is tagged solved-like, when a helper already answered, for bots and for text too
short to act on. The original poster's "thanks, it works now" after the bot's verdict gets a short
acknowledgement (spacedoc.followups), not another diagnosis. A per-user cooldown on chat (follow-ups and help
channels; never on a new forum post) and a cap on concurrent diagnoses keep a busy server cheap (the cooldown and the
conversation window are discord.py cooldown buckets, forgotten once they pass), and each message
is claimed in the store before it is answered (a lease, with the ids to find it again), so nothing is answered
twice, also across a gateway replay, a restart or a second process; work a killed process left is redone by the
sweep (`redo`).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from dataclasses import dataclass

import discord
from discord.ext import commands

from diagnosis.extract import parse_report
from diagnosis.followup import read_followup
from diagnosis.prefilter import looks_like_space_trouble
from spacedoc import followups
from spacedoc.answering import answer_message
from spacedoc.discord_lookup import fetch_message, find_reply, message_channel, ready, starter_message
from spacedoc.leases import answer_key, claim_once
from spacedoc.metrics import GateReason, Platform, gate
from spacedoc.store import Claim, GuildSettings, Store
from spacedoc.views import register_persistent_views

log = logging.getLogger(__name__)

HELPDESK = "helpdesk"  # the kind of an auto-reply's claim
FOLLOWUP_SLOT = "followup-slot"
SOLVED_TAG = re.compile(r"solved|resolved|fixed|answered|closed|done|✅", re.IGNORECASE)
SOLVED_TITLE = re.compile(r"\[(?:solved|resolved|fixed)\]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AutoReplyPolicy:
    min_chars: int = 20  # "help pls" is not something to diagnose
    followups_per_thread: int = 2  # answers to the original poster after the first one
    user_cooldown: float = 30.0  # seconds between two auto-replies to the same person's chat (not new posts)
    conversation_window: float = 15 * 60.0  # text channels: one auto-reply per person per channel per window
    max_concurrent: int = 4  # diagnoses in flight across the whole bot
    strong_symptom_weight: float = 2.0  # symptom weight that stands in for a Space reference


def is_solved(thread: discord.Thread) -> bool:
    """Tagged solved-like in the forum, or marked so in the title (older servers have no tags)."""
    return any(SOLVED_TAG.search(tag.name) for tag in thread.applied_tags) or bool(SOLVED_TITLE.search(thread.name))


def has_role(author: discord.abc.User, role_id: int | None) -> bool:
    return role_id is not None and isinstance(author, discord.Member) and author.get_role(role_id) is not None


def silent(reason: GateReason) -> None:
    """Counts why a message gets no auto-reply (spacedoc.metrics); returns None, the gates' "stay silent"."""
    gate(Platform.DISCORD, reason)


class HelpDesk(commands.Cog):
    def __init__(self, bot: commands.Bot, policy: AutoReplyPolicy = AutoReplyPolicy()) -> None:
        self.bot = bot
        self.policy = policy
        self._diagnosis_slots = asyncio.Semaphore(policy.max_concurrent)
        # One token per window, per person (their chat) and per person and channel (a text channel's conversation),
        # on the monotonic clock. The policy is read when a bucket is made, so a changed policy applies to new ones.
        self._cooldowns = commands.DynamicCooldownMapping(
            lambda _: _window(self.policy.user_cooldown), lambda message: message.author.id)
        self._conversations = commands.DynamicCooldownMapping(
            lambda _: _window(self.policy.conversation_window), lambda message: (message.channel.id, message.author.id))

    async def cog_load(self) -> None:
        register_persistent_views(self.bot)
        self.bot.leases.register("answer:", HELPDESK, self.redo)  # type: ignore[attr-defined]
        self.bot.leases.register("escalate:", followups.ESCALATE,  # type: ignore[attr-defined]
                                 functools.partial(followups.redo_escalation, self.bot))
        self.bot.leases.register("answer:", followups.THANKS,  # type: ignore[attr-defined]
                                 functools.partial(followups.redo, self.bot))

    @property
    def store(self) -> Store:
        return self.bot.store  # type: ignore[attr-defined]  # bot.SpaceDoctor opens it in setup_hook

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.guild is None or message.author.bot or me is None:
            return
        if any(user.id == me.id for user in message.mentions):
            return  # a mention asks the Diagnose cog, which reads the whole conversation
        settings = await self.store.get_guild_settings(message.guild.id)
        if not settings.auto_reply:
            return silent(GateReason.AUTOREPLY_OFF)
        channel = await message_channel(self.bot, message)
        if channel is None:
            return
        if (_in_forum_thread(channel) and channel.parent_id in settings.help_forums  # type: ignore[union-attr]
                and await self._acknowledged(message, channel)):  # type: ignore[arg-type]
            return
        text = await self._text(message, channel, settings)
        if text is None:
            return  # the gate said why
        new_post = _is_forum_post(message, channel)  # always answered: the cooldown is for chat
        if not new_post and not self._take_cooldown(message):
            return silent(GateReason.COOLDOWN)
        payload = {"kind": HELPDESK, "channel": channel.id, "message": message.id}
        held = await self.bot.leases.hold(  # type: ignore[attr-defined]
            answer_key(message.id), payload, lambda claim: self._answer(claim, message, channel, text))
        if not held:
            gate(Platform.DISCORD, GateReason.DUPLICATE)
            if not new_post:
                self._give_back_cooldown(message)  # a replayed event costs no cooldown

    async def _answer(self, claim: Claim, message: discord.Message, channel: discord.abc.Messageable,
                      text: str) -> str | None:
        in_forum_thread = _in_forum_thread(channel)
        if _is_forum_post(message, channel):
            _start_window(self._cooldowns, message)  # their first follow-up needs no answer
        elif in_forum_thread and claim.attempts == 1 and not await self._take_followup_slot(channel.id):
            gate(Platform.DISCORD, GateReason.FOLLOWUP_LIMIT)
            return "no follow-up left"  # (a retry took its slot the first time)
        if not in_forum_thread:
            _start_window(self._conversations, message)
        gate(Platform.DISCORD, GateReason.ANSWER)
        return await self._reply(claim, message, channel, text)

    async def _reply(self, claim: Claim, message: discord.Message, channel: discord.abc.Messageable,
                     text: str) -> str:
        me = self.bot.user
        assert me is not None
        if claim.attempts > 1 and (earlier := await find_reply(channel, message.id, me.id)) is not None:
            return str(earlier.id)  # answered before the process that held it died
        return await answer_message(self.bot, message, text, key=claim.key,  # type: ignore[arg-type]
                                    slots=self._diagnosis_slots)

    async def redo(self, claim: Claim) -> str | None:
        """A help-desk answer whose process died: the message read again and answered, unless it is gone or the
        conversation no longer calls for it (solved, a helper answered). Its follow-up slot was taken already."""
        await ready(self.bot)
        message = await fetch_message(self.bot, claim.payload["channel"], claim.payload["message"])
        if message is None or message.guild is None:
            return "gone"
        channel = await message_channel(self.bot, message)
        if channel is None:
            return "gone"
        settings = await self.store.get_guild_settings(message.guild.id)
        text = await self._text(message, channel, settings, fresh=False)
        if text is None:
            return "silent"
        return await self._reply(claim, message, channel, text)

    async def _acknowledged(self, message: discord.Message, thread: discord.Thread) -> bool:
        """True when the message is the original poster's thanks: acknowledged (once) when it follows the bot's
        verdict, left alone when a helper answered (the thanks are theirs). False for anything else, and in a solved
        thread."""
        if message.id == thread.id or message.author.id != thread.owner_id or is_solved(thread):
            return False
        followup = read_followup(message.content)
        if followup is None:
            return False
        if await self.store.get_meta(f"helper-answered:{thread.id}") is not None:
            return True  # a human helped: the thanks are theirs
        verdict = await followups.verdict_followed(self.bot, message)  # type: ignore[arg-type]
        if verdict is not None:
            await self.bot.leases.hold(  # type: ignore[attr-defined]
                answer_key(message.id), followups.payload(message, verdict),
                lambda claim: followups.thank(self.bot, claim, message, followup, verdict))  # type: ignore[arg-type]
        return True

    # ---- gates -----------------------------------------------------------------------------------

    async def _text(self, message: discord.Message, channel: discord.abc.GuildChannel | discord.Thread,
                    settings: GuildSettings, *, fresh: bool = True) -> str | None:
        """What to diagnose for this message, or None to stay silent. `fresh`: a new event (a redo skips the
        once-per-conversation window: the answer was decided when it was claimed)."""
        if _in_forum_thread(channel) and channel.parent_id in settings.help_forums:
            return await self._forum_text(message, channel, settings)  # type: ignore[arg-type]
        if isinstance(channel, discord.TextChannel) and channel.id in settings.help_channels:
            return self._channel_text(message, window=fresh)
        return silent(GateReason.NOT_HELP_CHANNEL)

    async def _forum_text(self, message: discord.Message, thread: discord.Thread,
                          settings: GuildSettings) -> str | None:
        """What to diagnose for this forum message, or None to stay silent."""
        if is_solved(thread):
            return silent(GateReason.SOLVED)
        if message.id == thread.id:  # the post itself: its title says as much as its body
            text = f"{thread.name}\n{message.content}"
            return text if len(text.strip()) >= self.policy.min_chars else silent(GateReason.TOO_SHORT)
        if message.author.id != thread.owner_id:
            if has_role(message.author, settings.helper_role):
                await self.store.set_meta(f"helper-answered:{thread.id}", str(message.author.id))
            return silent(GateReason.NOT_AUTHOR)
        if await self.store.get_meta(f"helper-answered:{thread.id}") is not None:
            return silent(GateReason.HELPER_ANSWERED)  # a human is on it
        if len(message.content.strip()) < self.policy.min_chars:
            return silent(GateReason.TOO_SHORT)
        if not self._about_a_space(message.content):
            return silent(GateReason.OFF_TOPIC)
        starter = await starter_message(thread)  # the post, as context for this follow-up
        starter_text = starter.content if starter is not None else ""
        return "\n\n".join(part for part in (thread.name, starter_text, message.content) if part)

    def _channel_text(self, message: discord.Message, *, window: bool = True) -> str | None:
        text = message.content
        if len(text.strip()) < self.policy.min_chars:
            return silent(GateReason.TOO_SHORT)
        if not self._about_a_space(text):
            return silent(GateReason.OFF_TOPIC)
        conversation = self._conversations.get_bucket(message, time.monotonic())
        if window and conversation is not None and conversation.get_tokens(time.monotonic()) == 0:
            return silent(GateReason.CONVERSATION_WINDOW)
        return text

    def _about_a_space(self, text: str) -> bool:
        """Clearly about a broken Space: the cheap prefilter, then a Space named or strong symptoms."""
        if not looks_like_space_trouble(text):
            return False
        report = parse_report(text)
        if report.primary_space is not None:
            return True
        weight = sum(f.weight for f in report.findings if f.bucket is not None)
        return weight >= self.policy.strong_symptom_weight

    def _take_cooldown(self, message: discord.Message) -> bool:
        """False while the author's chat cooldown runs; else starts it (before any await: two quick messages cannot
        both pass)."""
        now = time.monotonic()
        cooldown = self._cooldowns.get_bucket(message, now)
        return cooldown is None or cooldown.update_rate_limit(now) is None

    def _give_back_cooldown(self, message: discord.Message) -> None:
        """Undoes `_take_cooldown` (it passed, so the author had no cooldown running before)."""
        cooldown = self._cooldowns.get_bucket(message, time.monotonic())
        if cooldown is not None:
            cooldown.reset()

    async def _take_followup_slot(self, thread_id: int) -> bool:
        for n in range(self.policy.followups_per_thread):
            if await claim_once(self.store, f"answer:thread:{thread_id}:followup:{n}", FOLLOWUP_SLOT):
                return True
        return False


def _window(seconds: float) -> commands.Cooldown | None:
    """One auto-reply per `seconds`; None (no limit) for a window of 0."""
    return commands.Cooldown(1, seconds) if seconds > 0 else None


def _start_window(mapping: commands.DynamicCooldownMapping[discord.Message], message: discord.Message) -> None:
    """The window of `message`'s bucket starts now, whatever was left of an earlier one (an answer was given)."""
    now = time.monotonic()
    bucket = mapping.get_bucket(message, now)
    if bucket is not None:
        bucket.reset()
        bucket.update_rate_limit(now)


def _in_forum_thread(channel: object) -> bool:
    return isinstance(channel, discord.Thread) and isinstance(channel.parent, discord.ForumChannel)


def _is_forum_post(message: discord.Message, channel: object) -> bool:
    """The starter message of a forum post (its id is the thread's)."""
    return _in_forum_thread(channel) and message.id == getattr(channel, "id", None)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(HelpDesk(bot))
