"""The buttons under every verdict: Re-check, Helped / Didn't help, Support e-mail draft.

The custom_ids are fixed and the message a button sits on is the key into the store, so one view
registered at start (`register_persistent_views`) serves every verdict ever posted, also after a restart;
the views attached to messages are only their components, never kept per message.
Whoever posts a verdict attaches `verdict_view(verdict)` and then calls `remember(...)` with the posted
message, which stores what Re-check and the e-mail draft need (redacted).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Awaitable, Callable, Protocol

import discord

from diagnosis import render, texts
from diagnosis.hub import HubClient
from diagnosis.model import Verdict
from spacedoc import diagnosing, egress, logs
from spacedoc.discord_redo import fetch_channel, fetch_message, find_reply, ready
from spacedoc.leases import Leases, NotDone, nonce
from spacedoc.metrics import Platform, ReplyKind, replied
from spacedoc.store import Claim, Store, VerdictContext

log = logging.getLogger(__name__)

RECHECK_ID = "spacedoc:recheck"
HELPED_ID = "spacedoc:helped"
NOT_HELPED_ID = "spacedoc:not-helped"
EMAIL_DRAFT_ID = "spacedoc:email-draft"
ESCALATE = "escalate"  # the kind of an escalation's claim
CODE_BLOCK_ROOM = 1900  # an ephemeral answer holds 2000 characters; the fence and a line of text take the rest


class _BotWithState(Protocol):
    hub: HubClient
    store: Store
    leases: Leases


def _state(interaction: discord.Interaction) -> _BotWithState:
    return interaction.client  # type: ignore[return-value]  # bot.SpaceDoctor sets hub and store in setup_hook


class VerdictView(discord.ui.View):
    """Stateless buttons: every callback finds its context from the clicked message's id."""

    def __init__(self, *, email_draft: bool = True, lang: str = texts.DEFAULT) -> None:
        super().__init__(timeout=None)
        for button, key in ((self.recheck, "recheck"), (self.helped, "helped"), (self.not_helped, "not_helped"),
                            (self.email_draft, "email")):
            button.label = texts.say(lang, f"discord.button.{key}")
        if not email_draft:
            self.remove_item(self.email_draft)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Each click is handled once: a click delivered again (a gateway replay) is dropped silently, as
        answering it twice is refused (40060). A click cannot be redone later (it must be acknowledged within
        3 s), so its claim is done at once."""
        logs.bind(guild_id=interaction.guild_id, channel_id=interaction.channel_id)  # the callback runs in this task
        _state(interaction).leases.work.current_task()
        return await claim_once(_state(interaction).store, f"interaction:{interaction.id}", "button")

    @discord.ui.button(label="Re-check", emoji="🔄", style=discord.ButtonStyle.secondary, custom_id=RECHECK_ID)
    async def recheck(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        bot = _state(interaction)
        message = interaction.message
        context = await bot.store.get_verdict_context(message.id) if message else None
        if message is None or context is None:
            await egress.respond(interaction, texts.say(texts.DEFAULT, "discord.recheck_gone"), ephemeral=True)
            return
        await interaction.response.defer()  # acknowledges the click; the verdict is then edited in place
        try:
            verdict = await diagnosing.diagnose(bot.hub, bot.store, context.details, space=context.space,
                                                guild_id=interaction.guild_id)
        except Exception:
            log.exception("re-check of verdict message %s failed", message.id)
            await egress.respond(interaction, diagnosing.apology("rechecking", _language(context)), ephemeral=True)
            return
        await egress.edit_response(interaction, embed=diagnosing.verdict_embed(verdict), view=verdict_view(verdict))
        await remember(bot.store, message, verdict, details=context.details)

    @discord.ui.button(label="Helped", emoji="👍", style=discord.ButtonStyle.success, custom_id=HELPED_ID)
    async def helped(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await _vote(interaction, helpful=True)

    @discord.ui.button(label="Didn't help", emoji="👎", style=discord.ButtonStyle.secondary, custom_id=NOT_HELPED_ID)
    async def not_helped(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await _vote(interaction, helpful=False)

    @discord.ui.button(label="Support e-mail draft", emoji="✉️", style=discord.ButtonStyle.primary,
                       custom_id=EMAIL_DRAFT_ID)
    async def email_draft(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        bot = _state(interaction)
        context = await bot.store.get_verdict_context(interaction.message.id) if interaction.message else None
        lang = _language(context)
        if context is None or not context.email_draft:
            await egress.respond(interaction, texts.say(lang, "ui.no_email"), ephemeral=True)
            return
        draft = context.email_draft
        if len(draft) > CODE_BLOCK_ROOM:
            draft = draft[: CODE_BLOCK_ROOM - 1] + "…"
        await egress.respond(interaction, f"{texts.say(lang, 'ui.email_intro')}\n```\n{draft}\n```", ephemeral=True)


def _language(context: VerdictContext | None) -> str:
    """The language of the request a verdict answered: its answers to button clicks are in it too."""
    return texts.detect_language(context.details) if context is not None else texts.DEFAULT


async def _vote(interaction: discord.Interaction, *, helpful: bool) -> None:
    bot = _state(interaction)
    message = interaction.message
    if message is None:
        return
    await bot.store.record_feedback(message.id, interaction.user.id, helpful)
    lang = _language(await bot.store.get_verdict_context(message.id))
    if helpful or interaction.guild_id is None:
        await egress.respond(interaction, texts.say(lang, "discord.vote_noted"), ephemeral=True)
        return
    settings = await bot.store.get_guild_settings(interaction.guild_id)
    # Promise a helper only where a helper role exists to be pinged.
    await egress.respond(interaction, texts.say(lang, "discord.vote_helpers_asked" if settings.helper_role is not None
                                                else "discord.vote_say_more"), ephemeral=True)
    # One ping per verdict, however many people click: helpers are volunteers.
    if settings.helper_role is None:
        return
    payload = {"kind": ESCALATE, "channel": message.channel.id, "message": message.id,
               "role": settings.helper_role, "user": interaction.user.id, "lang": lang}
    await bot.leases.hold(f"escalate:msg:{message.id}", payload,
                          lambda claim: escalate(claim, message.channel, message))


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


async def claim_once(store: Store, key: str, kind: str) -> bool:
    """Dedupe for one-shot work that cannot be redone later (a click, a settings command): claimed and done."""
    if not await store.claim(key, payload={"kind": kind}):
        return False
    await store.complete(key, "handled")
    return True


def verdict_view(verdict: Verdict) -> VerdictView:
    """The buttons for a verdict about to be posted, labelled in its language; the e-mail draft only where the
    verdict offers one (HF staff must act, and the draft identifies the Space).

    The view comes stopped: discord.py then sends its components but does not keep it in its view store under
    the new message's id (it stores only views that are not finished). The one view registered at start
    already answers every click, and a view kept per message would stay in memory for as long as the process
    runs."""
    view = VerdictView(email_draft=verdict.email is not None, lang=verdict.language)
    view.stop()
    return view


async def remember(store: Store, message: discord.Message, verdict: Verdict, *, details: str) -> None:
    """Stores what the posted verdict's buttons need; `details` is the text the diagnosis read."""
    await store.save_verdict_context(
        message.id,
        guild_id=message.guild.id if message.guild else None,
        channel_id=message.channel.id,
        space=verdict.space,
        details=details,
        bucket=verdict.bucket.value,
        email_draft=render.email_draft(verdict),
    )


def register_persistent_views(bot: discord.Client) -> None:
    """Makes every verdict's buttons answer, including those posted before this start."""
    bot.add_view(VerdictView())


async def answer_message(
    bot: _BotWithState,
    message: discord.Message,
    text: str | Callable[[], Awaitable[str]],
    *,
    key: str,
    slots: asyncio.Semaphore | None = None,
) -> str:
    """Diagnoses `text` (or what reading it returns) and replies to `message` with the verdict and its buttons;
    returns the reply's id. `key` is the claim of the work: the reply carries its nonce.

    Shared by mentions and auto-replies. A failure is logged (redacted by the log filter) and answered with a
    short apology that names the step that failed, under the same nonce (one reply, whichever is posted); when not
    even that can be posted, NotDone gives the claim back for a retry."""
    step, lang = "reading", texts.detect_language(message.content)
    try:
        if not isinstance(text, str):
            text = await text()
        text = egress.well_formed(text)  # a lone surrogate would fail the store's write after the answer
        step, lang = "checking", texts.detect_language(text)
        async with slots or contextlib.nullcontext(), message.channel.typing():
            verdict = await diagnosing.diagnose(bot.hub, bot.store, text,
                                                guild_id=message.guild.id if message.guild else None)
        step = "posting"
        answer = await egress.send(message.channel, embed=diagnosing.verdict_embed(verdict),
                                   view=verdict_view(verdict), reply_to=message, nonce=nonce(key))
        replied(Platform.DISCORD, ReplyKind.VERDICT)
        await remember(bot.store, answer, verdict, details=text)
        return str(answer.id)
    except Exception:
        log.exception("answering message %s failed while %s", message.id, diagnosing.step_name(step))
        try:
            apology = await egress.send(message.channel, diagnosing.apology(step, lang), reply_to=message,
                                        nonce=nonce(key))
        except discord.HTTPException as exc:
            raise NotDone(f"could not post the apology for message {message.id} either: {exc}") from None
        replied(Platform.DISCORD, ReplyKind.NO_VERDICT)
        return str(apology.id)


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
