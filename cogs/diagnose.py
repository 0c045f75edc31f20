"""`/diagnose`, the "Diagnose" message context menu, and answers to mentions.

All three read what people wrote, run one diagnosis (spacedoc.diagnosing) and answer through the egress
path. Each event is claimed in the store before it is answered, so a gateway replay, a reconnect or a
restart never produces a second answer. A failure is logged and answered with a short apology.
"""
from __future__ import annotations

import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from diagnosis.pipeline import InvalidSpace
from spacedoc import diagnosing, egress
from spacedoc.metrics import Platform, ReplyKind, replied
from spacedoc.views import answer_message, remember, starter_message, verdict_view

log = logging.getLogger(__name__)

THREAD_HISTORY_LIMIT = 50  # messages read back in a thread
OP_MESSAGES = 8  # the original poster's most recent messages taken into account


class Diagnose(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(name="Diagnose", callback=self.diagnose_message)
        bot.tree.add_command(self.context_menu)

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
        if not await self.bot.store.claim(f"interaction:{interaction.id}"):
            return  # the same interaction delivered twice
        await interaction.response.defer(thinking=True)  # public: people learn from each other's answers
        text = egress.well_formed(text)  # a lone surrogate would fail the store's write after the answer
        space = egress.well_formed(space) if space is not None else None

        async def show(line: str) -> None:
            await egress.edit_response(interaction, content=line)

        editor = diagnosing.ProgressEditor(show, space)
        try:
            verdict = await diagnosing.diagnose(
                self.bot.hub, self.bot.store, text, space=space, guild_id=interaction.guild_id,
                on_progress=editor.on_progress)
        except InvalidSpace as invalid:  # says what it is instead: "`x/y` is a model, not a Space"
            verdict, failure = None, (f"I can't look that up: {invalid}. Give the Space's URL "
                                      "(https://huggingface.co/spaces/OWNER/NAME) or its id (OWNER/NAME).")
        except Exception:
            log.exception("diagnosis failed for interaction %s", interaction.id)
            verdict, failure = None, diagnosing.apology("checking the Space")
        finally:
            await editor.finish()  # no progress edit may land after the answer
        if verdict is None:
            await egress.edit_response(interaction, content=failure)
            replied(Platform.DISCORD, ReplyKind.NO_VERDICT)
            return
        answer = await egress.edit_response(interaction, content=None, embed=diagnosing.verdict_embed(verdict),
                                            view=verdict_view(verdict))
        replied(Platform.DISCORD, ReplyKind.VERDICT)
        await remember(self.bot.store, answer, verdict, details=text)

    # ---- mentions --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.author.bot or message.guild is None or me is None:
            return
        if not any(user.id == me.id for user in message.mentions):
            return
        if not await self.bot.store.claim(f"answer:msg:{message.id}"):
            return
        await answer_message(self.bot, message, lambda: self._conversation(message))  # type: ignore[arg-type]

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
            replied = message.reference.resolved
            if not isinstance(replied, discord.Message):
                replied = await channel.fetch_message(message.reference.message_id)
            parts.append(replied.content)
        parts.append(mention.sub("", message.content) if mention else message.content)
        return "\n\n".join(p.strip() for p in parts if p and p.strip())


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Diagnose(bot))
