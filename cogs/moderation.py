"""Secret moderation in every channel the bot can read: new messages, edits, and thread names.

Everything the bot can read of a message is checked: its text, the embeds other bots and webhooks post
(a link preview only repeats the link, which the text holds), its files' names and descriptions, and the
text of small text files (Discord turns a long paste into `message.txt`). A message
holding a credential is deleted (when the bot may), reposted redacted under its author's name, and its
author is told which kinds leaked and how to rotate them; Hugging Face tokens are sent for revocation when
the server allows it (default on). Without permission to delete, the bot warns and never echoes. A thread
whose name (a forum post's title) holds one is renamed to the redacted name when the bot may manage
threads; otherwise its owner is asked to rename it.

It fails closed: whatever goes wrong before the delete (the check itself, the store, the settings, the
revocation queue, Discord refusing the delete) is logged and still ends in delete-or-warn, with the tokens
sent for revocation. Revoking and deleting (or renaming) come before the store is asked whether this leak
was handled already: both are harmless to repeat, so a replayed event after a crash finishes them, and
only the warning is said once. The original text is never relayed, logged, stored or embedded: only the redactor's
output and the finding kinds leave this module.
"""
from __future__ import annotations

import enum
import hashlib
import logging
from dataclasses import dataclass
from pathlib import PurePosixPath

import discord
from discord.ext import commands

from diagnosis.leaks import leak_warning
from diagnosis.redact import Redaction, redact
from diagnosis.revocation import RevocationStatus, Revoker
from spacedoc import egress
from spacedoc.metrics import Platform, ReplyKind, replied, secrets_found
from spacedoc.store import Store
from spacedoc.views import message_channel

log = logging.getLogger(__name__)

REPOST_COLOUR = 0x95A5A6
TEXT_FILE_LIMIT = 256 * 1024  # bytes of an attached text file that are read; a longer file is not pasted text
TEXT_FILE_SUFFIXES = frozenset({".txt", ".log", ".py", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".env",
                                ".sh", ".md", ".csv", ".js", ".ts", ".ipynb", ".conf", ".xml", ".html"})

UNCHECKED_REMOVED = ("⚠️ **I could not check your message for secrets** (an error on my side), so I removed it "
                     "to be safe. If it held a token, key or password, treat it as compromised and replace it; "
                     "then post your message again without it.")
UNCHECKED_KEPT = ("⚠️ **I could not check your message for secrets** (an error on my side) and I cannot delete "
                  "messages here: if it holds a token, key or password, **delete it now** and replace that "
                  "credential.")
FOUND_REMOVED = ("⚠️ **Your message held a token, key or password.** I removed it, but anyone who saw it may "
                 "already have copied it: treat it as compromised and replace it.")
FOUND_KEPT = ("⚠️ **Your message holds a token, key or password** and I cannot delete messages here: **delete it "
              "now**, and replace that credential: anyone who saw it may already have copied it.")
TITLE_RENAMED = ("📝 **Your post's title held a credential:** I renamed the post so that it no longer shows, but "
                 "anyone who saw the title may already have copied it.")
TITLE_KEPT = ("📝 **Your post's title holds a credential** and I cannot rename posts here: **edit the title now** "
              "(… → Edit Post) — and even then, anyone who saw it may already have copied it.")


class Removal(enum.Enum):
    DELETED = "deleted"  # we removed it: repost the redacted copy
    GONE = "gone"  # someone else removed it first: nothing to repost
    KEPT = "kept"  # we may not (or could not) remove it: warn only


@dataclass(frozen=True, slots=True)
class Scan:
    """What was found in everything the bot could read of one message or thread name: the redaction of each
    part that held a credential, by where it was ("message", "embed", "file message.txt", "title").
    `unchecked`: the check itself failed, so the text is treated as holding one."""

    parts: tuple[tuple[str, Redaction], ...] = ()
    unchecked: bool = False

    @property
    def suspect(self) -> bool:
        return self.unchecked or bool(self.parts)

    def combined(self) -> Redaction:
        """One redaction for the warning: every finding once, wherever it was."""
        findings = {(f.kind, f.secret): f for _, part in self.parts for f in part.findings}
        return Redaction("\n".join(part.text for _, part in self.parts), tuple(findings.values()))

    def redacted(self, where: str) -> str | None:
        return next((part.text for place, part in self.parts if place == where), None)

    def digest(self) -> str:
        """Names this version of the leak for `claim`: a digest of the *redacted* parts, never of a secret,
        so an edit that changes nothing the check found is not a second leak."""
        if self.unchecked:
            return "unchecked"
        text = "\n".join(f"{where}\n{part.text}" for where, part in self.parts)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def scan(parts: list[tuple[str, str]]) -> Scan:
    """Checks each (where, text) part; a failing check makes the whole scan `unchecked` (fail closed)."""
    found = []
    for where, text in parts:
        try:
            redaction = redact(egress.well_formed(text))
        except Exception:
            log.exception("the secret check failed on a %s; treating it as holding a credential", where)
            return Scan(unchecked=True)
        if redaction.findings:
            found.append((where, redaction))
    return Scan(tuple(found))


class Moderation(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self.revoker = Revoker(bot.hub.revoke_credentials)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        await self.revoker.aclose()  # sends what is still queued

    @property
    def store(self) -> Store:
        return self.bot.store  # type: ignore[attr-defined]  # bot.SpaceDoctor opens it in setup_hook

    # ---- events ----------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self._moderate(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if {"content", "embeds", "attachments"} & payload.data.keys():
            await self._moderate(payload.message)

    @commands.Cog.listener()
    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self._moderate_title(thread)

    @commands.Cog.listener()
    async def on_thread_join(self, thread: discord.Thread) -> None:
        """A thread the bot had not seen (an update to an uncached thread arrives as a join)."""
        await self._moderate_title(thread)

    @commands.Cog.listener()
    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        if before.name != after.name:
            await self._moderate_title(after)

    # ---- messages --------------------------------------------------------------------------------

    async def _moderate(self, message: discord.Message) -> None:
        me = self.bot.user
        if message.guild is None or me is None or message.author.id == me.id:
            return
        found = scan(await self._readable(message))
        if not found.suspect:
            return
        revocation = await self._revoke(message.guild.id, found)
        removal = await self._remove(message)
        if not await self._first_time(f"secret:msg:{message.id}:{found.digest()}"):
            return
        secrets_found(Platform.DISCORD, (f.kind for f in found.combined().findings))
        notice = self._message_notice(found, revocation, removal)
        repost = self._repost(message, found) if removal is Removal.DELETED and not found.unchecked else None
        await self._warn(message.channel, f"{message.author.mention} {notice}", repost, message.id)

    async def _readable(self, message: discord.Message) -> list[tuple[str, str]]:
        """Everything the bot can read of `message`, as (where, text) parts."""
        parts = [("message", message.content)]
        for embed in (e for e in message.embeds if e.type == "rich"):
            strings = [embed.title, embed.description, embed.url, embed.footer.text, embed.author.name]
            strings += [s for f in embed.fields for s in (f.name, f.value)]
            parts.append(("embed", "\n".join(s for s in strings if s)))
        for attachment in message.attachments:
            where = f"file {attachment.filename}"
            labels = (attachment.filename, attachment.description, attachment.title)
            parts.append((where, "\n".join(label for label in labels if label)))
            if _is_text_file(attachment):
                try:
                    parts.append((where, (await attachment.read()).decode("utf-8", "replace")))
                except Exception as exc:  # gone already, or the CDN failed: nothing the bot can read
                    log.warning("could not read attachment %s of message %s: %s", attachment.id, message.id,
                                type(exc).__name__)
        return [(where, text) for where, text in parts if text]

    async def _remove(self, message: discord.Message) -> Removal:
        """Deletes the message when the bot may; anything unexpected means it stays up (and the warning says so)."""
        assert message.guild is not None
        try:
            channel = await message_channel(self.bot, message)
            if channel is not None and not channel.permissions_for(message.guild.me).manage_messages:
                return Removal.KEPT
            await egress.delete(message)
        except discord.NotFound:
            return Removal.GONE
        except discord.Forbidden:  # permissions changed since the guild was cached
            log.warning("may not delete message %s that holds a credential; warning instead", message.id)
            return Removal.KEPT
        except Exception:
            log.exception("deleting message %s that holds a credential failed; warning instead", message.id)
            return Removal.KEPT
        return Removal.DELETED

    def _message_notice(self, found: Scan, revocation: RevocationStatus | None, removal: Removal) -> str:
        removed = removal is not Removal.KEPT
        if found.unchecked:
            return UNCHECKED_REMOVED if removed else UNCHECKED_KEPT
        try:
            return leak_warning(found.combined(), revocation, removed=removed) or ""
        except Exception:
            log.exception("writing the leak warning failed; sending the generic one")
            return FOUND_REMOVED if removed else FOUND_KEPT

    def _repost(self, message: discord.Message, found: Scan) -> discord.Embed | None:
        """The message as its author wrote it, minus the secrets, clearly attributed to them; a file or embed
        that held a credential is shown redacted below."""
        try:
            author = message.author
            text = found.redacted("message") or message.content  # the content held nothing when not redacted
            embed = discord.Embed(description=text or "\u200b", colour=REPOST_COLOUR,
                                  timestamp=message.edited_at or message.created_at)
            embed.set_author(name=f"{author.display_name} wrote (secret removed)", icon_url=author.display_avatar.url)
            for where, part in found.parts:
                if where != "message":
                    embed.add_field(name=f"{where} (secret removed)", value=part.text, inline=False)
            embed.set_footer(text=f"Reposted by Space Doctor · author id {author.id}")
            return embed
        except Exception:
            log.exception("building the redacted repost of message %s failed; warning without it", message.id)
            return None

    # ---- thread names ----------------------------------------------------------------------------

    async def _moderate_title(self, thread: discord.Thread) -> None:
        me = self.bot.user
        if me is None or thread.owner_id == me.id:
            return
        found = scan([("title", thread.name)])
        if not found.suspect:
            return
        revocation = await self._revoke(thread.guild.id, found)
        renamed = await self._rename(thread, found.redacted("title"))
        if not await self._first_time(f"secret:thread:{thread.id}:{found.digest()}"):
            return
        secrets_found(Platform.DISCORD, (f.kind for f in found.combined().findings))
        await self._warn(thread, f"<@{thread.owner_id}> {self._title_notice(found, revocation, renamed)}", None,
                         thread.id)

    async def _rename(self, thread: discord.Thread, redacted_name: str | None) -> bool:
        """Renames the thread to its redacted name when the bot may manage threads."""
        if redacted_name is None:
            return False
        try:
            if not thread.permissions_for(thread.guild.me).manage_threads:
                return False
            await egress.rename_thread(thread, redacted_name)
        except discord.Forbidden:  # permissions changed since the guild was cached
            log.warning("may not rename thread %s whose name holds a credential; asking its owner", thread.id)
            return False
        except Exception:
            log.exception("renaming thread %s whose name holds a credential failed; asking its owner", thread.id)
            return False
        return True

    def _title_notice(self, found: Scan, revocation: RevocationStatus | None, renamed: bool) -> str:
        lead = TITLE_RENAMED if renamed else TITLE_KEPT
        if found.unchecked:
            return lead
        try:
            warning = leak_warning(found.combined(), revocation, removed=renamed) or ""
        except Exception:
            log.exception("writing the leak warning failed; sending the title notice alone")
            return lead
        # Its first line speaks of a message; the rest (what leaked, how to rotate it) holds for a title too.
        return "\n".join([lead, *warning.split("\n")[1:]])

    # ---- shared steps: each one fails closed ------------------------------------------------------

    async def _first_time(self, key: str) -> bool:
        """True unless this leak was warned about already (a replayed event, an edit that changed nothing
        found)."""
        try:
            return await self.store.claim(key)
        except Exception:
            log.exception("the store could not record a leak; handling it anyway (a repeat beats a token left up)")
            return True

    async def _revoke(self, guild_id: int, found: Scan) -> RevocationStatus | None:
        """Queues the Hugging Face tokens found for revocation (in the background: it never delays the
        warning) unless the server turned it off; a setting that cannot be read counts as on (the default).
        Called for every sighting, before the check for a repeat: the revoker sends each token once."""
        tokens = found.combined().hf_tokens()
        if not tokens:
            return None
        try:
            if not (await self.store.get_guild_settings(guild_id)).revoke:
                return None
        except Exception:
            log.exception("reading the revoke setting failed; revoking (the default)")
        try:
            return self.revoker.submit(tokens)
        except Exception:
            log.exception("queueing %d leaked token(s) for revocation failed", len(tokens))
            return RevocationStatus.FAILED

    async def _warn(self, channel: discord.abc.Messageable, notice: str, repost: discord.Embed | None,
                    about: int) -> None:
        """Posts the warning (with the repost); without the repost if that is refused, so the warning lands."""
        try:
            await egress.send(channel, notice, embed=repost)
            replied(Platform.DISCORD, ReplyKind.LEAK_WARNING)
            return
        except Exception:
            if repost is None:
                log.exception("posting the leak warning about %s failed", about)
                return
            log.exception("posting the leak warning about %s with its repost failed; trying without", about)
        try:
            await egress.send(channel, notice)
            replied(Platform.DISCORD, ReplyKind.LEAK_WARNING)
        except Exception:
            log.exception("posting the leak warning about %s failed", about)


def _is_text_file(attachment: discord.Attachment) -> bool:
    text_type = (attachment.content_type or "").startswith("text/")
    return attachment.size <= TEXT_FILE_LIMIT and (text_type or PurePosixPath(attachment.filename).suffix.lower()
                                                   in TEXT_FILE_SUFFIXES)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Moderation(bot))
