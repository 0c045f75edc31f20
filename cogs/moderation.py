"""Secret moderation in every channel the bot can read: new messages, edits, and thread names.

Everything the bot can read of a message is checked: its text, the embeds other bots and webhooks post
(a link preview only repeats the link, which the text holds), its files' names and descriptions, and the
text of small text files (Discord turns a long paste into `message.txt`). A message
holding a credential is deleted (when the bot may), reposted redacted under its author's name, and its
author is told which kinds leaked and how to rotate them; Hugging Face tokens are sent for revocation when
the server allows it (default on). Without permission to delete, the bot warns and never echoes. A thread
whose name (a forum post's title) holds one is renamed to the redacted name when the bot may manage
threads; otherwise its owner is asked to rename it.

Each leak (one version of a message or a thread name) is work held as a lease whose payload holds what the bot
needs to finish it without the original: ids, the redacted parts and the finding kinds. Its steps run in an order
where each is recorded or harmless to repeat: the tokens are recorded for revocation (spacedoc.revocations, durable)
before the message is deleted; the delete (or rename) is idempotent; the warning is sent with the claim's nonce
and, on a retry, only when none is found after the message. So a process killed just after the DELETE leaves work
that a restart or another process finishes from the payload: repost, warning, revocation. Finished from the payload,
the warning promises the revocation only when the tokens were recorded: a process killed before that, or a store
that refused them, leaves nothing to revoke them with, and the author is told to. The warning says the
revocation is under way; once the Hub accepted it (or would not), the warning is updated (and, when it failed, the
author is told plainly to revoke it themselves).

It fails closed: whatever goes wrong before the delete (the check itself, the store, the settings, the
revocation queue, Discord refusing the delete) is logged and still ends in delete-or-warn, with the tokens
revoked. The original text is never relayed, logged, stored or embedded: only the redactor's output and the finding
kinds leave this module.
"""
from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import discord
from discord.ext import commands

from diagnosis import texts
from diagnosis.leaks import (
    found_notice,
    leak_summary,
    leak_warning,
    revocation_outcome,
    revocation_update,
    summarised,
    title_lead,
    unchecked_notice,
)
from diagnosis.redact import HF_KINDS, Redaction, redact
from diagnosis.revocation import RevocationStatus
from spacedoc import egress, sendable
from spacedoc.discord_lookup import fetch_channel, fetch_message, find_reply, message_channel, ready
from spacedoc.leases import NotDone, nonce
from spacedoc.metrics import Platform, ReplyKind, replied, secrets_found
from spacedoc.revocations import outcome
from spacedoc.store import Claim, PendingRevocation, Store

log = logging.getLogger(__name__)

REPOST_COLOUR = 0x95A5A6
LEAK_MESSAGE = "leak-message"  # the kinds of this cog's claims
LEAK_TITLE = "leak-title"
VIA = "discord"  # how its revocations' outcomes are told
TEXT_FILE_LIMIT = 256 * 1024  # bytes of an attached text file that are read; a longer file is not pasted text
TEXT_FILE_SUFFIXES = frozenset({".txt", ".log", ".py", ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".env",
                                ".sh", ".md", ".csv", ".js", ".ts", ".ipynb", ".conf", ".xml", ".html"})



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

    @classmethod
    def recorded(cls, payload: dict[str, Any]) -> Scan:
        """The scan a claim's payload describes (redacted parts, finding kinds), for finishing the work after the
        message is gone."""
        if payload.get("unchecked"):
            return cls(unchecked=True)
        findings = summarised(payload["findings"]).findings
        return cls(tuple((where, Redaction(text, findings if n == 0 else ()))  # every finding once, on the first
                         for n, (where, text) in enumerate(payload["parts"])))

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
            redaction = redact(sendable.well_formed(text))
        except Exception:
            log.exception("the secret check failed on a %s; treating it as holding a credential", where)
            return Scan(unchecked=True)
        if redaction.findings:
            found.append((where, redaction))
    return Scan(tuple(found))


class Moderation(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.leases.register("leak:", LEAK_MESSAGE, self._redo_message)  # type: ignore[attr-defined]
        self.bot.leases.register("leak:", LEAK_TITLE, self._redo_title)  # type: ignore[attr-defined]
        self.bot.revocations.teller(VIA, self._tell_revocation)  # type: ignore[attr-defined]

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
        await self._hold(f"leak:msg:{message.id}:{found.digest()}", lambda: self._message_payload(message, found),
                         lambda claim: self._handle_message(claim, found, message))

    @staticmethod
    def _message_payload(message: discord.Message, found: Scan) -> dict[str, Any]:
        """What finishing this leak needs once the message is deleted (redacted text only), and the language of its
        author's words, in which every text about it is written."""
        author = message.author
        text = found.redacted("message") or message.content
        return {"kind": LEAK_MESSAGE, "guild": message.guild.id if message.guild else None,
                "channel": message.channel.id, "message": message.id, "author": author.id,
                "name": author.display_name, "avatar": str(author.display_avatar.url),
                "at": (message.edited_at or message.created_at).isoformat(),
                "text": text, "lang": texts.detect_language(text),
                "parts": [[where, part.text] for where, part in found.parts],
                "findings": leak_summary(found.combined()), "unchecked": found.unchecked}

    async def _handle_message(self, claim: Claim, found: Scan, message: discord.Message | None) -> str:
        """Revoke (recorded first), delete, warn; `message` is None when it is gone (the work is finished from
        the claim's payload)."""
        payload = claim.payload
        if claim.attempts == 1:
            secrets_found(Platform.DISCORD, (f.kind for f in found.combined().findings))
        if message is not None:
            revocation = await self._revoke(claim, found, notify_channel=payload["channel"], user=payload["author"])
            removal = await self._remove(message)
            if removal is Removal.GONE and claim.attempts > 1:
                removal = Removal.DELETED  # deleted by the process that held it before
            channel: discord.abc.Messageable | None = message.channel
        else:
            revocation = await self._recorded_revocation(claim, found)
            removal = Removal.DELETED
            channel = await fetch_channel(self.bot, payload["channel"])
            if channel is None:
                return "gone"
        marker = _repost_marker(payload["message"])
        if claim.attempts > 1 and self.bot.user is not None and (
                earlier := await find_reply(channel, payload["message"], self.bot.user.id, marker=marker)):
            return str(earlier.id)  # warned before the process that held it died
        notice = self._message_notice(found, revocation, removal, _lang(payload))
        repost = self._repost(payload, found) if removal is Removal.DELETED and not found.unchecked else None
        return await self._warn(channel, f"<@{payload['author']}> {notice}", repost, claim.key)

    async def _redo_message(self, claim: Claim) -> str:
        """A leak whose process died: finished on the message as it is now, or from the payload once it is gone."""
        await ready(self.bot)
        message = await fetch_message(self.bot, claim.payload["channel"], claim.payload["message"])
        if message is None:
            return await self._handle_message(claim, Scan.recorded(claim.payload), None)
        found = scan(await self._readable(message))
        if found.suspect and f"leak:msg:{message.id}:{found.digest()}" == claim.key:
            return await self._handle_message(claim, found, message)
        await self._moderate(message)  # edited since: what it holds now is its own piece of work
        return "superseded"

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

    def _message_notice(self, found: Scan, revocation: RevocationStatus | None, removal: Removal, lang: str) -> str:
        removed = removal is not Removal.KEPT
        if found.unchecked:
            return unchecked_notice(removed=removed, lang=lang)
        try:
            return leak_warning(found.combined(), revocation, removed=removed, lang=lang) or ""
        except Exception:
            log.exception("writing the leak warning failed; sending the generic one")
            return found_notice(removed=removed, lang=lang)

    def _repost(self, payload: dict[str, Any], found: Scan) -> discord.Embed | None:
        """The message as its author wrote it, minus the secrets, clearly attributed to them; a file or embed
        that held a credential is shown redacted below. Built from the payload: the message may be gone."""
        try:
            lang = _lang(payload)
            text = found.redacted("message") or payload["text"]  # the content held nothing when not redacted
            embed = discord.Embed(description=text or "\u200b", colour=REPOST_COLOUR,
                                  timestamp=datetime.fromisoformat(payload["at"]))
            embed.set_author(name=texts.say(lang, "leak.repost_author", name=payload["name"]),
                             icon_url=payload["avatar"])
            for where, part in found.parts:
                if where != "message":
                    embed.add_field(name=texts.say(lang, "leak.repost_part", where=where), value=part.text,
                                    inline=False)
            embed.set_footer(text=texts.say(lang, "leak.repost_footer", author=payload["author"],
                                            marker=_repost_marker(payload["message"])))
            return embed
        except Exception:
            log.exception("building the redacted repost of message %s failed; warning without it",
                          payload.get("message"))
            return None

    # ---- thread names ----------------------------------------------------------------------------

    async def _moderate_title(self, thread: discord.Thread) -> None:
        me = self.bot.user
        if me is None or thread.owner_id == me.id:
            return
        found = scan([("title", thread.name)])
        if not found.suspect:
            return
        await self._hold(f"leak:thread:{thread.id}:{found.digest()}", lambda: self._title_payload(thread, found),
                         lambda claim: self._handle_title(claim, found, thread))

    @staticmethod
    def _title_payload(thread: discord.Thread, found: Scan) -> dict[str, Any]:
        return {"kind": LEAK_TITLE, "guild": thread.guild.id, "thread": thread.id, "owner": thread.owner_id,
                "lang": texts.detect_language(found.redacted("title") or thread.name),
                "parts": [[where, part.text] for where, part in found.parts],
                "findings": leak_summary(found.combined()), "unchecked": found.unchecked}

    async def _handle_title(self, claim: Claim, found: Scan, thread: discord.Thread, *, live: bool = True) -> str:
        """Revoke (recorded first), rename, warn; not `live`: the name no longer holds the leak (renamed before
        the process that held it died), so it is finished from the payload."""
        payload = claim.payload
        if claim.attempts == 1:
            secrets_found(Platform.DISCORD, (f.kind for f in found.combined().findings))
        if live:
            revocation = await self._revoke(claim, found, notify_channel=thread.id, user=payload["owner"])
            renamed = await self._rename(thread, found.redacted("title"))
        else:
            revocation, renamed = await self._recorded_revocation(claim, found), True
        mention = f"<@{payload['owner']}>"
        if claim.attempts > 1 and self.bot.user is not None and (
                earlier := await find_reply(thread, thread.id, self.bot.user.id, marker=f"{mention} 📝")):
            return str(earlier.id)
        notice = self._title_notice(found, revocation, renamed, _lang(payload))
        return await self._warn(thread, f"{mention} {notice}", None, claim.key)

    async def _redo_title(self, claim: Claim) -> str:
        await ready(self.bot)
        thread = await fetch_channel(self.bot, claim.payload["thread"])
        if not isinstance(thread, discord.Thread):
            return "gone"
        found = scan([("title", thread.name)])
        if found.suspect and f"leak:thread:{thread.id}:{found.digest()}" == claim.key:
            return await self._handle_title(claim, found, thread)
        if found.suspect:
            await self._moderate_title(thread)
            return "superseded"
        return await self._handle_title(claim, Scan.recorded(claim.payload), thread, live=False)

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

    def _title_notice(self, found: Scan, revocation: RevocationStatus | None, renamed: bool, lang: str) -> str:
        lead = title_lead(renamed=renamed, lang=lang)
        if found.unchecked:
            return lead
        try:
            warning = leak_warning(found.combined(), revocation, removed=renamed, lang=lang) or ""
        except Exception:
            log.exception("writing the leak warning failed; sending the title notice alone")
            return lead
        # Its first line speaks of a message; the rest (what leaked, how to rotate it) holds for a title too.
        return "\n".join([lead, *warning.split("\n")[1:]])

    # ---- shared steps: each one fails closed ------------------------------------------------------

    async def _hold(self, key: str, payload: Callable[[], dict[str, Any]],
                    work: Callable[[Claim], Awaitable[str]]) -> None:
        """Does the work of this leak unless it is held or done already (a replayed event, an edit that changed
        nothing found). A store that cannot record it does not stop it: a repeat beats a token left up."""
        try:
            if not await self.store.claim(key, payload=payload()):
                return
            claim = await self.store.get_claim(key)
        except Exception:
            log.exception("the store could not record a leak; handling it anyway (a repeat beats a token left up)")
            try:
                await work(Claim(key, payload(), owner="", attempts=1, done=False, result=None))
            except NotDone as exc:
                log.warning("could not finish an unrecorded leak: %s", exc)
            return
        if claim is not None:
            await self.bot.leases.run(key, lambda: work(claim))  # type: ignore[attr-defined]

    async def _revoke(self, claim: Claim, found: Scan, *, notify_channel: int, user: int) -> RevocationStatus | None:
        """Records the Hugging Face tokens found for revocation (durably, before the delete; the worker sends
        them at once) unless the server turned it off; a setting that cannot be read counts as on (the default).
        A store that cannot record them has them revoked now, once."""
        tokens = found.combined().hf_tokens()
        if not tokens or not await self._revoke_setting(claim.payload.get("guild")):
            return None
        notify = {"via": VIA, "claim": claim.key, "channel": notify_channel, "user": user}
        try:
            await self.bot.revocations.add(claim.key, tokens, notify=notify)  # type: ignore[attr-defined]
            return RevocationStatus.PENDING
        except Exception:
            log.exception("recording %d leaked token(s) for revocation failed; revoking them now", len(tokens))
        try:
            await self.bot.hub.revoke_credentials(tokens)  # type: ignore[attr-defined]
            return RevocationStatus.REVOKED
        except Exception:
            log.exception("revoking %d leaked token(s) failed", len(tokens))
            return RevocationStatus.FAILED

    async def _recorded_revocation(self, claim: Claim, found: Scan) -> RevocationStatus | None:
        """What became of the tokens of a leak finished from its payload (the tokens are no longer at hand): under
        way only when they were recorded for revocation (the worker tells the outcome). The process that held the
        claim may have died before recording them, or the store refused them: then nothing will revoke them, and
        the author is told to (as when the server does not revoke, or the record cannot be read)."""
        if not any(f.kind in HF_KINDS for f in found.combined().findings):
            return None
        try:
            recorded = await self.bot.revocations.recorded(claim.key)  # type: ignore[attr-defined]
        except Exception:
            log.exception("reading whether the tokens of %s were recorded for revocation failed", claim.key)
            return None
        return RevocationStatus.PENDING if recorded else None

    async def _revoke_setting(self, guild_id: int | None) -> bool:
        if guild_id is None:
            return True
        try:
            return (await self.store.get_guild_settings(guild_id)).revoke
        except Exception:
            log.exception("reading the revoke setting failed; revoking (the default)")
            return True

    async def _warn(self, channel: discord.abc.Messageable, notice: str, repost: discord.Embed | None,
                    key: str) -> str:
        """Posts the warning (with the repost), under the claim's nonce; without the repost if that is refused, so
        the warning lands. Returns its id; NotDone when it cannot be posted at all (retried later)."""
        try:
            sent = await egress.send(channel, notice, embed=repost, nonce=nonce(key))
            replied(Platform.DISCORD, ReplyKind.LEAK_WARNING)
            return str(sent.id)
        except Exception as exc:
            if repost is None:
                raise NotDone(f"could not post the leak warning: {exc}") from None
            log.exception("posting the leak warning of %s with its repost failed; trying without", key)
        try:  # the same nonce: if the first one was created after all, Discord returns it
            sent = await egress.send(channel, notice, nonce=nonce(key))
            replied(Platform.DISCORD, ReplyKind.LEAK_WARNING)
            return str(sent.id)
        except discord.HTTPException as exc:
            raise NotDone(f"could not post the leak warning: {exc}") from None

    # ---- telling how a revocation ended -----------------------------------------------------------

    async def _tell_revocation(self, row: PendingRevocation) -> bool:
        """Updates the warning that said the revocation was under way; when it failed, also tells the author
        plainly to revoke the token themselves. False while the warning is not posted yet."""
        if not self.bot.is_ready():
            return False
        work = await self.store.get_claim(str(row.notify["claim"]))
        if work is None or not work.done:
            return False
        channel = await fetch_channel(self.bot, int(row.notify["channel"]))
        if channel is None:
            return True  # the channel is gone: nobody left to tell
        status, lang = outcome(row), _lang(work.payload)
        warning = None
        if work.result and work.result.isdigit():
            warning = await fetch_message(self.bot, int(row.notify["channel"]), int(work.result))
        if warning is not None and (updated := revocation_update(warning.content, status, lang)) != warning.content:
            await egress.edit(warning, content=updated)
        if status is not RevocationStatus.REVOKED or warning is None:
            await egress.send(channel, f"<@{row.notify['user']}> {revocation_outcome(status, lang)}", reply_to=warning,
                              nonce=nonce(row.key))
        return True


def _lang(payload: dict[str, Any]) -> str:
    """The language of the words that held the leak (a claim recorded before it was kept: English)."""
    return str(payload.get("lang", texts.DEFAULT))


def _repost_marker(message_id: int) -> str:
    """Names the message a repost stands for (in its footer), so a retry finds the repost in the history."""
    return f"message {message_id}"


def _is_text_file(attachment: discord.Attachment) -> bool:
    text_type = (attachment.content_type or "").startswith("text/")
    return attachment.size <= TEXT_FILE_LIMIT and (text_type or PurePosixPath(attachment.filename).suffix.lower()
                                                   in TEXT_FILE_SUFFIXES)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Moderation(bot))
