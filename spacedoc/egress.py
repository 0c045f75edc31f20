"""The one path for everything the bot posts: redacted, inside Discord's limits, never a mass ping.

Every cog sends, edits, renames threads, deletes and answers interactions through these functions, so a
secret that slipped into evidence (a runtime `errorMessage`, a log line, a quoted message) is removed here
even if nothing upstream caught it, a verdict that grew too long is shortened instead of being rejected by
Discord, and a rate limit is waited out instead of turning an answer into an apology.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

import discord
from discord.utils import MISSING

from diagnosis import render
from diagnosis.redact import redact
from spacedoc import sendable
from spacedoc.sendable import well_formed

log = logging.getLogger(__name__)

# Users may be pinged (the person asking); @everyone, @here and roles never, unless a role is named per call.
ALLOWED_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True, replied_user=False)

# Discord's limits: the renderer (diagnosis.render, which cannot import discord) writes within them, and this
# module holds everything it sends to them.
CONTENT_LIMIT = render.MESSAGE_LIMIT
EMBED_LIMITS = {"title": render.EMBED_TITLE_LIMIT, "description": render.EMBED_DESCRIPTION_LIMIT,
                "field_name": render.EMBED_FIELD_NAME_LIMIT, "field_value": render.EMBED_FIELD_VALUE_LIMIT,
                "footer": 2048, "author": 256, "fields": render.EMBED_FIELDS_MAX, "total": render.EMBED_TOTAL_LIMIT}
THREAD_NAME_LIMIT = 100
# Discord: "Cannot message this thread until after the post author has sent an initial message."
THREAD_NOT_READY = 40058
THREAD_NOT_READY_RETRY_DELAY = 1.0
# discord.py waits out a 429 itself only when it carries `Via` (else it assumes a Cloudflare ban and raises);
# those are retried here, after the wait the response asks for, within these bounds.
RATE_LIMIT_TRIES = 3
MAX_RATE_LIMIT_WAIT = 30.0

T = TypeVar("T")


class EmbedSpecLike(Protocol):
    """What `diagnosis.render.to_embed` returns; `diagnosis/` knows nothing of discord, so we convert here."""

    title: str
    description: str
    colour: int
    fields: Sequence[tuple[str, str]]  # (name, value)


def clean(text: str, limit: int = CONTENT_LIMIT) -> str:
    """Redacted, then shortened to `limit` characters (an ellipsis marks the cut)."""
    return sendable.clean(text, limit)


def _clean_strings(value: Any) -> Any:
    if isinstance(value, str):
        return redact(well_formed(value)).text
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_strings(v) for k, v in value.items()}
    return value


def clean_embed(embed: discord.Embed) -> discord.Embed:
    """Every string in the embed redacted, every part cut to Discord's limits (6000 characters in all)."""
    data = _clean_strings(embed.to_dict())
    budget = EMBED_LIMITS["total"]

    def cut(text: str | None, limit: int) -> str | None:
        nonlocal budget
        if not text:
            return text
        limit = max(min(limit, budget), 1)
        text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
        budget -= len(text)
        return text

    if "title" in data:
        data["title"] = cut(data["title"], EMBED_LIMITS["title"])
    if "author" in data:
        data["author"]["name"] = cut(data["author"].get("name"), EMBED_LIMITS["author"])
    if "footer" in data:
        data["footer"]["text"] = cut(data["footer"].get("text"), EMBED_LIMITS["footer"])
    if "description" in data:
        data["description"] = cut(data["description"], EMBED_LIMITS["description"])
    fields = []
    for f in data.get("fields", [])[: EMBED_LIMITS["fields"]]:
        if budget < 2:  # drop what no longer fits rather than post a half field
            break
        name = cut(f.get("name") or "\u200b", EMBED_LIMITS["field_name"])
        value = cut(f.get("value") or "\u200b", EMBED_LIMITS["field_value"]) if budget > 0 else "…"
        fields.append({**f, "name": name, "value": value})
    if "fields" in data:
        data["fields"] = fields
    return discord.Embed.from_dict(data)


def embed_from_spec(spec: EmbedSpecLike) -> discord.Embed:
    embed = discord.Embed(title=spec.title, description=spec.description, colour=spec.colour)
    for name, value in spec.fields:
        embed.add_field(name=name, value=value, inline=False)
    return clean_embed(embed)


def _mentions(ping_roles: Iterable[discord.abc.Snowflake]) -> discord.AllowedMentions:
    roles = list(ping_roles)
    return ALLOWED_MENTIONS if not roles else discord.AllowedMentions(
        everyone=False, roles=roles, users=True, replied_user=False)


def _prepared(content: str | None, embed: discord.Embed | None) -> dict[str, Any]:
    return {
        "content": clean(content) if content is not None else None,
        "embed": clean_embed(embed) if embed is not None else None,
    }


async def send(
    channel: discord.abc.Messageable,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    reply_to: discord.Message | None = None,
    ping_roles: Iterable[discord.abc.Snowflake] = (),
    nonce: str,
) -> discord.Message:
    """Posts in a channel or thread; retried once when a brand-new forum thread is not ready yet (40058).

    `nonce` (spacedoc.leases.nonce of the work's claim) is sent with `enforce_nonce`: for a few minutes Discord
    answers a second send with the same nonce with the first message, so a retry (after a 5xx that was created
    anyway, from another process, after a restart) never posts twice."""
    kwargs: dict[str, Any] = {**_prepared(content, embed), "allowed_mentions": _mentions(ping_roles),
                              "nonce": nonce}
    if view is not None:
        kwargs["view"] = view
    if reply_to is not None:
        kwargs["reference"] = reply_to.to_reference(fail_if_not_exists=False)
        kwargs["mention_author"] = False

    async def send_once() -> discord.Message:
        try:
            return await channel.send(**kwargs)
        except discord.HTTPException as exc:
            if exc.code != THREAD_NOT_READY:
                raise
            log.info("thread not ready for messages yet (40058); retrying once in %.1f s",
                     THREAD_NOT_READY_RETRY_DELAY)
            await asyncio.sleep(THREAD_NOT_READY_RETRY_DELAY)
            return await channel.send(**kwargs)

    return await _waiting_out_rate_limits(send_once)


def _edit_kwargs(content: str | None, embed: discord.Embed | None, view: discord.ui.View | None) -> dict[str, Any]:
    """Only what the caller passes changes (MISSING leaves a part as it is; None removes it)."""
    kwargs: dict[str, Any] = {"allowed_mentions": ALLOWED_MENTIONS}
    if content is not MISSING:
        kwargs["content"] = clean(content) if content is not None else None
    if embed is not MISSING:
        kwargs["embed"] = clean_embed(embed) if embed is not None else None
    if view is not MISSING:
        kwargs["view"] = view
    return kwargs


async def edit(
    target: discord.Message | discord.Interaction | discord.Webhook,
    content: str | None = MISSING,
    *,
    embed: discord.Embed | None = MISSING,
    view: discord.ui.View | None = MISSING,
) -> discord.Message:
    """Edits what the bot posted: a message, an interaction's original response (e.g. the deferred "thinking…"
    one), or that response through the interaction's webhook (application id and token), which another process
    can do too while the token lives (15 minutes). Only what is passed changes."""
    kwargs = _edit_kwargs(content, embed, view)
    if isinstance(target, discord.Interaction):
        return await _waiting_out_rate_limits(lambda: target.edit_original_response(**kwargs))
    if isinstance(target, discord.Webhook):
        return await _waiting_out_rate_limits(lambda: target.edit_message("@original", **kwargs))
    return await _waiting_out_rate_limits(lambda: target.edit(**kwargs))


async def respond(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Answers an interaction: its first response, or a follow-up once it was answered or deferred."""
    kwargs: dict[str, Any] = {
        k: v for k, v in _prepared(content, embed).items() if v is not None
    } | {"ephemeral": ephemeral, "allowed_mentions": ALLOWED_MENTIONS}
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await _waiting_out_rate_limits(lambda: interaction.followup.send(**kwargs))
    else:
        await _waiting_out_rate_limits(lambda: interaction.response.send_message(**kwargs))


async def rename_thread(thread: discord.Thread, name: str) -> discord.Thread:
    """Renames a thread (a forum post's title): redacted and cut to Discord's 100 characters."""
    return await _waiting_out_rate_limits(lambda: thread.edit(name=clean(name, THREAD_NAME_LIMIT)))


async def delete(message: discord.Message) -> None:
    """Deletes a message (one the secret moderation removes)."""
    await _waiting_out_rate_limits(message.delete)


async def _waiting_out_rate_limits(call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, tried again after a 429 that discord.py did not wait out itself (no `Via` header), as long as
    the wait it asks for is known and reasonable."""
    tries = 1
    while True:
        try:
            return await call()
        except discord.HTTPException as exc:
            wait = _retry_after(exc) if exc.status == 429 else None
            if wait is None or wait > MAX_RATE_LIMIT_WAIT or tries == RATE_LIMIT_TRIES:
                raise
        log.warning("rate limited by Discord (429 without Via); retrying in %.2f s", wait)
        await asyncio.sleep(wait)
        tries += 1


def _retry_after(exc: discord.HTTPException) -> float | None:
    """Seconds to wait, from the 429's headers (discord.py has consumed its body): the bucket's precise
    `X-RateLimit-Reset-After`, else `Retry-After`."""
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(0.0, float(headers[name]))
        except (KeyError, ValueError):
            continue
    return None
