"""When handling something on Discord fails: the one place that logs it and apologises, in the person's language.

discord.py hands every failure to a hook, and each hook calls this module: `CommandTree.on_error` (slash commands
and the context menu, the /spacedoc settings included) and `View.on_error` (the verdict's buttons) call
`interaction_failed`; `Client.on_error` (the cogs' event listeners) calls `event_failed`. A handler that knows
which step it is in, or the language of the request it answers, says so in `interaction.extras` ("step", "lang")
before the step; otherwise the person's Discord client language is used.

Work held as a lease (an answer to a message, a /diagnose) catches its own failure instead: its apology *is* the
answer of the claim (posted under the claim's nonce, or in the deferred response), so it uses `apology` from here.
"""
from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from diagnosis import texts
from spacedoc import egress
from spacedoc.leases import answer_key, nonce

log = logging.getLogger("spacedoc.errors")


def apology(step: str, lang: str = texts.DEFAULT) -> str:
    """The short answer when a diagnosis fails: what failed (`step`: reading, checking, rechecking, posting), and
    what the person can do."""
    return texts.say(lang, "discord.apology", step=texts.say(lang, f"step.{step}"))


def step_name(step: str) -> str:
    """The step as the maintainers' log says it."""
    return texts.say(texts.DEFAULT, f"step.{step}")


async def interaction_failed(interaction: discord.Interaction, error: Exception) -> None:
    """Logs why handling `interaction` failed and tells the person (only them), in their language: an apology
    naming the step when one was set, else a general one; a check that refused the command says so instead."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    lang = interaction.extras.get("lang") or texts.from_locale(str(interaction.locale))
    step = interaction.extras.get("step")
    what = _interaction_name(interaction)
    if isinstance(error, app_commands.CheckFailure):
        log.warning("%s refused: %s", what, error)
        text = texts.say(lang, "discord.not_here")
    else:
        log.error("%s failed%s", what, f" while {step_name(step)}" if step else "", exc_info=error)
        text = apology(step, lang) if step else texts.say(lang, "discord.failed")
    try:
        await egress.respond(interaction, text, ephemeral=True)
    except discord.HTTPException as exc:  # the token expired, or Discord is out of reach: the log has it
        log.warning("could not apologise for %s: %s", what, exc)


async def event_failed(bot: discord.Client, event: str, args: tuple[Any, ...]) -> None:
    """Logs why a listener failed on `event` (called inside the failing handler's `except`). A message that asked
    the bot directly (a mention) gets an apology, sent under the nonce of its answer: when an answer was posted
    already the person still gets one reply, not two."""
    log.exception("handling %s failed", event)
    message = next((arg for arg in args if isinstance(arg, discord.Message)), None)
    me = bot.user
    if (event != "on_message" or message is None or me is None or message.author.bot
            or not any(user.id == me.id for user in message.mentions)):
        return
    try:
        await egress.send(message.channel, texts.say(texts.detect_language(message.content), "discord.failed"),
                          reply_to=message, nonce=nonce(answer_key(message.id)))
    except discord.HTTPException as exc:
        log.warning("could not apologise for message %s: %s", message.id, exc)


def _interaction_name(interaction: discord.Interaction) -> str:
    """What was used, for the log: "/spacedoc forum add", "the Diagnose menu", "button spacedoc:recheck"."""
    command = interaction.command
    if isinstance(command, app_commands.ContextMenu):
        return f"the {command.name} menu"
    if command is not None:
        return f"/{command.qualified_name}"
    custom_id = (interaction.data or {}).get("custom_id")
    return f"button {custom_id}" if custom_id else f"interaction {interaction.id}"
