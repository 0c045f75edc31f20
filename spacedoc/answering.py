"""The Discord answer flow: a message answered with a verdict (`answer_message`: mentions and the help desk's
auto-replies), and the progress of an interaction's diagnosis shown by editing one message (`ProgressEditor`:
/diagnose and the Diagnose menu, in cogs/diagnose.py).

Every diagnosis goes through spacedoc.diagnosis_service (the flow the Discourse forum uses too); every verdict is
posted as `spacedoc.views.verdict_message` and remembered for its buttons.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import discord

from diagnosis import texts
from diagnosis.hub import HubClient
from spacedoc import egress, sendable
from spacedoc.diagnosis_service import diagnose_and_record
from spacedoc.discord_errors import apology, step_name
from spacedoc.leases import NotDone, nonce
from spacedoc.metrics import Platform, ReplyKind, replied
from spacedoc.store import Store
from spacedoc.views import remember, verdict_message

log = logging.getLogger(__name__)


class _Answerer(Protocol):
    hub: HubClient
    store: Store


async def answer_message(
    bot: _Answerer,
    message: discord.Message,
    text: str | Callable[[], Awaitable[str]],
    *,
    key: str,
    slots: asyncio.Semaphore | None = None,
) -> str:
    """Diagnoses `text` (or what reading it returns) and replies to `message` with the verdict and its buttons;
    returns the reply's id. `key` is the claim of the work: the reply carries its nonce.

    A failure is logged (redacted by the log filter) and answered with a short apology that names the step that
    failed, under the same nonce (one reply, whichever is posted): the apology is the claim's answer, so it is
    posted here rather than by spacedoc.discord_errors. When not even that can be posted, NotDone gives the claim
    back for a retry."""
    step, lang = "reading", texts.detect_language(message.content)
    try:
        if not isinstance(text, str):
            text = await text()
        text = sendable.well_formed(text)  # a lone surrogate would fail the store's write after the answer
        step, lang = "checking", texts.detect_language(text)
        async with slots or contextlib.nullcontext(), message.channel.typing():
            verdict = await diagnose_and_record(bot.hub, bot.store, text,
                                                guild_id=message.guild.id if message.guild else None)
        step = "posting"
        answer = await egress.send(message.channel, **verdict_message(verdict), reply_to=message, nonce=nonce(key))
        replied(Platform.DISCORD, ReplyKind.VERDICT)
        await remember(bot.store, answer, verdict, details=text)
        return str(answer.id)
    except Exception:
        log.exception("answering message %s failed while %s", message.id, step_name(step))
        try:
            sorry = await egress.send(message.channel, apology(step, lang), reply_to=message, nonce=nonce(key))
        except discord.HTTPException as exc:
            raise NotDone(f"could not post the apology for message {message.id} either: {exc}") from None
        replied(Platform.DISCORD, ReplyKind.NO_VERDICT)
        return str(sorry.id)


@dataclass(slots=True)
class Progress:
    """The checks finished so far, as one line: "runtime ✓ · commits ✓ · logs: owner-only …"."""

    space: str | None
    done: dict[str, str] = field(default_factory=dict)  # check → "ok" or why it is unavailable
    lang: str = texts.DEFAULT

    def line(self) -> str:
        labels = dict(self.done)
        if labels.get("build_log") is not None and labels.get("build_log") == labels.get("run_log"):
            logs = labels.pop("build_log")
            labels.pop("run_log")
            labels["logs"] = logs

        def name(check: str) -> str:
            return texts.say(self.lang, f"progress.{check}")

        parts = [f"{name(check)} ✓" if status == "ok" else f"{name(check)}: {status}"
                 for check, status in labels.items()]
        subject = f"`{self.space}`" if self.space else texts.say(self.lang, "discord.your_space")
        checks = " · ".join(parts) + (" …" if parts else "")
        return texts.say(self.lang, "discord.progress", subject=subject, checks=checks).rstrip()


class ProgressEditor:
    """Shows progress by editing one message, latest state wins, never blocking the diagnosis.

    At most one edit is in flight; `finish()` waits for it so that a late progress edit can never
    overwrite the final answer."""

    def __init__(self, edit: Callable[[str], Awaitable[object]], space: str | None, lang: str = texts.DEFAULT) -> None:
        self._edit = edit
        self.progress = Progress(space, lang=lang)
        self._task: asyncio.Task[None] | None = None
        self._dirty = False

    def on_progress(self, check: str, status: str) -> None:
        self.progress.done[check] = status
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await self._edit(self.progress.line())
            except Exception as exc:  # progress is a courtesy: whatever went wrong, the final answer still comes
                log.warning("could not show progress: %s", exc)
                return

    async def finish(self) -> None:
        self._dirty = False
        if self._task is not None:
            await self._task
