"""Secret moderation in every channel the bot can read, on new messages and on edits.

A message holding a credential is deleted (when the bot may), reposted redacted under its author's name,
and its author is told which kinds leaked and how to rotate them; Hugging Face tokens are sent for
revocation when the server allows it (default on). Without permission to delete, the bot warns and never
echoes. The original text is never relayed, logged, stored or embedded: only the redactor's output and
the finding kinds leave this module.
"""
from __future__ import annotations

import enum
import hashlib
import logging

import discord
from discord.ext import commands

from diagnosis.leaks import leak_warning
from diagnosis.redact import Redaction, redact
from diagnosis.revocation import RevocationStatus, Revoker
from spacedoc import egress
from spacedoc.store import Store

log = logging.getLogger(__name__)

REPOST_COLOUR = 0x95A5A6


class Removal(enum.Enum):
    DELETED = "deleted"  # we removed it: repost the redacted copy
    GONE = "gone"  # someone else removed it first: nothing to repost
    KEPT = "kept"  # we may not remove it: warn only


class Moderation(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.revoker = Revoker(bot.hub.revoke_credentials)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        await self.revoker.aclose()  # sends what is still queued

    @property
    def store(self) -> Store:
        return self.bot.store  # type: ignore[attr-defined]  # bot.SpaceDoctor opens it in setup_hook

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._moderate(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if "content" in payload.data:  # embed unfurls also arrive as edits, without new text
            await self._moderate(payload.message)

    async def _moderate(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.guild is None or me is None or message.author.id == me.id:
            return
        found = redact(message.content)
        if not found.findings:
            return
        # One answer per message version: a replayed event or an unrelated edit of the same text is skipped.
        # The key holds a digest of the *redacted* text, never anything derived from the secret.
        digest = hashlib.sha256(found.text.encode()).hexdigest()[:16]
        if not await self.store.claim(f"secret:msg:{message.id}:{digest}"):
            return
        try:
            await self._handle(message, found)
        except Exception:
            # Log the kinds, never the text: the exception's message could quote the request body.
            log.exception("handling a leaked %s in message %s failed", "/".join(found.kinds), message.id)

    async def _handle(self, message: discord.Message, found: Redaction) -> None:
        assert message.guild is not None
        settings = await self.store.get_guild_settings(message.guild.id)
        tokens = found.hf_tokens()
        revocation: RevocationStatus | None = None
        if tokens and settings.revoke:
            revocation = self.revoker.submit(tokens)  # in the background: it never delays the warning
        removal = await self._remove(message)
        notice = leak_warning(found, revocation, removed=removal is not Removal.KEPT) or ""
        repost = _repost(message, found.text) if removal is Removal.DELETED else None
        await egress.send(message.channel, f"{message.author.mention} {notice}", embed=repost)

    async def _remove(self, message: discord.Message) -> Removal:
        me = message.guild.me if message.guild else None
        if me is not None and not message.channel.permissions_for(me).manage_messages:
            return Removal.KEPT
        try:
            await message.delete()
        except discord.NotFound:
            return Removal.GONE
        except discord.Forbidden:  # permissions changed since the guild was cached
            return Removal.KEPT
        return Removal.DELETED


def _repost(message: discord.Message, redacted_text: str) -> discord.Embed:
    """The message as its author wrote it, minus the secrets, clearly attributed to them."""
    author = message.author
    embed = discord.Embed(description=redacted_text or "\u200b", colour=REPOST_COLOUR,
                          timestamp=message.edited_at or message.created_at)
    embed.set_author(name=f"{author.display_name} wrote (secret removed)", icon_url=author.display_avatar.url)
    embed.set_footer(text=f"Reposted by Space Doctor · author id {author.id}")
    return embed


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Moderation(bot))
