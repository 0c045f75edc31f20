"""A verdict as a Discord message: its embed and the buttons under it (Re-check, Helped / Didn't help, Support
e-mail draft).

The custom_ids are fixed and the message a button sits on is the key into the store, so one view
registered at start (`register_persistent_views`) serves every verdict ever posted, also after a restart;
the views attached to messages are only their components, never kept per message.
Whoever posts a verdict posts `verdict_message(verdict)` (the embed and its buttons) and then calls
`remember(...)` with the posted message, which stores what Re-check and the e-mail draft need (redacted).
A button that fails is answered by spacedoc.discord_errors (`on_error`).
"""
from __future__ import annotations

from typing import Any, Protocol

import discord

from diagnosis import render, texts
from diagnosis.hub import HubClient
from diagnosis.model import Verdict
from spacedoc import discord_errors, egress, followups, logs
from spacedoc.diagnosis_service import diagnose_and_record
from spacedoc.leases import Leases, claim_once
from spacedoc.store import Store, VerdictContext

RECHECK_ID = "spacedoc:recheck"
HELPED_ID = "spacedoc:helped"
NOT_HELPED_ID = "spacedoc:not-helped"
EMAIL_DRAFT_ID = "spacedoc:email-draft"
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

    async def on_error(self, interaction: discord.Interaction, error: Exception, _: discord.ui.Item[Any]) -> None:
        await discord_errors.interaction_failed(interaction, error)

    @discord.ui.button(label="Re-check", emoji="🔄", style=discord.ButtonStyle.secondary, custom_id=RECHECK_ID)
    async def recheck(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        bot = _state(interaction)
        message = interaction.message
        context = await bot.store.get_verdict_context(message.id) if message else None
        if message is None or context is None:
            await egress.respond(interaction, texts.say(texts.DEFAULT, "discord.recheck_gone"), ephemeral=True)
            return
        interaction.extras.update(step="rechecking", lang=_language(context))  # for an apology, should it fail
        await interaction.response.defer()  # acknowledges the click; the verdict is then edited in place
        verdict = await diagnose_and_record(bot.hub, bot.store, context.details, space=context.space,
                                            guild_id=interaction.guild_id)
        await egress.edit(interaction, **verdict_message(verdict))
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
    payload = {"kind": followups.ESCALATE, "channel": message.channel.id, "message": message.id,
               "role": settings.helper_role, "user": interaction.user.id, "lang": lang}
    await bot.leases.hold(f"escalate:msg:{message.id}", payload,
                          lambda claim: followups.escalate(claim, message.channel, message))


def verdict_message(verdict: Verdict) -> dict[str, Any]:
    """What a message showing `verdict` carries (keyword arguments of egress's send and edits): the verdict as
    an embed, and its buttons."""
    return {"embed": egress.embed_from_spec(render.to_embed(verdict)), "view": verdict_view(verdict)}


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
