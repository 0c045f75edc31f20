"""`/diagnose`, the "Diagnose" message context menu, and answers to mentions.

All three read what people wrote, run one diagnosis (spacedoc.diagnosis_service) and answer through the egress
path. Each event is claimed in the store (a lease) before it is answered, so a gateway replay, a reconnect, a
restart or a second process never produces a second answer, and the sweep finishes what a killed process left
(an interaction through its webhook while the token lives). A failed diagnosis is logged and answered with a short
apology in its place (spacedoc.discord_errors.apology); anything else that fails reaches the central handler.
A mention that only says thanks ("thanks, it works now") gets a short acknowledgement, not a diagnosis.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from diagnosis import texts
from diagnosis.followup import read_followup
from diagnosis.pipeline import InvalidSpace
from spacedoc import egress, followups, sendable
from spacedoc.answering import ProgressEditor, answer_message
from spacedoc.diagnosis_service import diagnose_and_record
from spacedoc.discord_errors import apology
from spacedoc.discord_lookup import fetch_message, find_reply, ready, starter_message
from spacedoc.leases import NotDone, answer_key
from spacedoc.metrics import Platform, ReplyKind, replied
from spacedoc.store import Claim
from spacedoc.views import remember, verdict_message

log = logging.getLogger(__name__)

THREAD_HISTORY_LIMIT = 50  # messages read back in a thread
OP_MESSAGES = 8  # the original poster's most recent messages taken into account
INTERACTION_TOKEN_LIFETIME = 14 * 60.0  # Discord keeps an interaction's token 15 minutes
DIAGNOSE = "diagnose"  # the kinds of this cog's claims
MENTION = "mention"


class Diagnose(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(name="Diagnose", callback=self.diagnose_message)
        bot.tree.add_command(self.context_menu)

    async def cog_load(self) -> None:
        self.bot.leases.register("answer:", MENTION, self._redo_mention)
        self.bot.leases.register("interaction:", DIAGNOSE, self._redo_interaction)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)

    # ---- slash command and context menu ----------------------------------------------------------

    @app_commands.command(name="diagnose", description="Diagnose a broken Hugging Face Space")
    @app_commands.describe(space="The Space: its URL or OWNER/NAME",
                           details="What you see: the error, the stage (PAUSED, Build error…), what you tried")
    async def diagnose_command(
        self, interaction: discord.Interaction, space: app_commands.Range[str, 1, 300],
        details: app_commands.Range[str, 0, 4000] | None = None,
    ) -> None:
        await self._answer_interaction(interaction, f"{space}\n{details or ''}", space=space)

    async def diagnose_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await self._answer_interaction(interaction, message.content, space=None)

    async def _answer_interaction(self, interaction: discord.Interaction, text: str, *, space: str | None) -> None:
        text = sendable.well_formed(text)  # a lone surrogate would fail the store's write after the answer
        space = sendable.well_formed(space) if space is not None else None
        # The token lets another process (or the next start) finish the answer while Discord keeps it (15 min).
        payload = {"kind": DIAGNOSE, "application": interaction.application_id, "token": interaction.token,
                   "at": time.time(), "guild": interaction.guild_id, "text": text, "space": space}

        async def work(claim: Claim) -> str:
            await interaction.response.defer(thinking=True)  # public: people learn from each other's answers

            async def show(line: str) -> None:
                await egress.edit(interaction, content=line)

            answer = await self._diagnosis(text, space, interaction.guild_id, show,
                                           lambda **parts: egress.edit(interaction, **parts))
            return str(answer.id)

        await self.bot.leases.hold(f"interaction:{interaction.id}", payload, work)

    async def _diagnosis(self, text: str, space: str | None, guild_id: int | None,
                         show: Callable[[str], Awaitable[None]],
                         edit: Callable[..., Awaitable[discord.Message]]) -> discord.Message:
        """Diagnoses with progress shown by `show`, then puts the verdict (or why there is none) in place with
        `edit`; returns the edited response."""
        lang = texts.detect_language(text)
        editor = ProgressEditor(show, space, lang)
        try:
            verdict = await diagnose_and_record(self.bot.hub, self.bot.store, text, space=space, guild_id=guild_id,
                                                on_progress=editor.on_progress)
        except InvalidSpace as invalid:  # says what it is instead: "`x/y` is a model, not a Space"
            verdict, failure = None, texts.say(lang, "discord.invalid_space", reason=texts.word(invalid.reason, lang))
        except Exception:
            log.exception("diagnosis failed for %s", space or "a message")
            verdict, failure = None, apology("checking", lang)
        finally:
            await editor.finish()  # no progress edit may land after the answer
        if verdict is None:
            answer = await edit(content=failure)
            replied(Platform.DISCORD, ReplyKind.NO_VERDICT)
            return answer
        answer = await edit(content=None, **verdict_message(verdict))
        replied(Platform.DISCORD, ReplyKind.VERDICT)
        await remember(self.bot.store, answer, verdict, details=text)
        return answer

    async def _redo_interaction(self, claim: Claim) -> str:
        """A /diagnose or Diagnose whose process died: answered through the interaction's webhook while its token
        is valid (the response was deferred before the work started)."""
        payload = claim.payload
        if time.time() - float(payload["at"]) > INTERACTION_TOKEN_LIFETIME:
            return "expired"
        await ready(self.bot)
        webhook = discord.Webhook.partial(int(payload["application"]), str(payload["token"]), client=self.bot)

        async def show(line: str) -> None:
            await egress.edit(webhook, content=line)

        try:
            answer = await self._diagnosis(str(payload["text"]), payload.get("space"), payload.get("guild"), show,
                                           lambda **parts: egress.edit(webhook, **parts))
        except discord.HTTPException as exc:
            if exc.status >= 500:
                raise NotDone(f"cannot finish interaction {claim.key}: {exc}") from None
            return "expired"  # never deferred, or Discord no longer knows the token
        return str(answer.id)

    # ---- mentions --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None:
            return
        if not any(user.id == me.id for user in message.mentions):
            return
        key = answer_key(message.id)
        followup = read_followup(re.sub(rf"<@!?{me.id}>", " ", message.content))
        if followup is not None:  # "thanks, it works now": acknowledged, not diagnosed
            await self.bot.leases.hold(key, followups.payload(message),
                                       lambda claim: followups.thank(self.bot, claim, message, followup))
            return
        await self.bot.leases.hold(key, {"kind": MENTION, "channel": message.channel.id, "message": message.id},
                                   lambda claim: self._answer_mention(claim, message))

    async def _answer_mention(self, claim: Claim, message: discord.Message) -> str:
        me = self.bot.user
        assert me is not None
        if claim.attempts > 1 and (earlier := await find_reply(message.channel, message.id, me.id)) is not None:
            return str(earlier.id)  # answered before the process that held it died
        return await answer_message(self.bot, message, lambda: self._conversation(message),  # type: ignore[arg-type]
                                    key=claim.key)

    async def _redo_mention(self, claim: Claim) -> str:
        await ready(self.bot)
        message = await fetch_message(self.bot, claim.payload["channel"], claim.payload["message"])
        if message is None:
            return "gone"
        return await self._answer_mention(claim, message)

    async def _conversation(self, message: discord.Message) -> str:
        """What the diagnosis should read: in a thread, its title and starter message plus the original
        poster's recent messages; elsewhere, the message replied to. Then the mention itself."""
        me = self.bot.user
        mention = re.compile(rf"<@!?{me.id}>") if me else None
        parts: list[str] = []
        channel = message.channel
        if isinstance(channel, discord.Thread):
            parts.append(channel.name)
            starter = await starter_message(channel)
            if starter is not None and starter.id != message.id:
                parts.append(starter.content)
            op_messages = [
                m async for m in channel.history(limit=THREAD_HISTORY_LIMIT, before=message)
                if m.author.id == channel.owner_id and (starter is None or m.id != starter.id)
            ][:OP_MESSAGES]
            parts += [m.content for m in reversed(op_messages)]
        elif message.reference is not None and message.reference.message_id is not None:
            replied = await _replied_message(message)
            if replied is not None:
                parts.append(replied.content)
        parts.append(mention.sub("", message.content) if mention else message.content)
        return "\n\n".join(p.strip() for p in parts if p and p.strip())


async def _replied_message(message: discord.Message) -> discord.Message | None:
    """The message a mention replies to; None when it is gone (deleted, e.g. by the moderation for a token it held)
    or hidden from the bot: the mention is then read alone, not apologised for."""
    reference = message.reference
    assert reference is not None and reference.message_id is not None
    if isinstance(reference.resolved, discord.Message):
        return reference.resolved
    if isinstance(reference.resolved, discord.DeletedReferencedMessage):
        return None
    try:
        return await message.channel.fetch_message(reference.message_id)
    except (discord.NotFound, discord.Forbidden):
        return None


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Diagnose(bot))
