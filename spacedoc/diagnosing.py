"""The Discord side of a diagnosis: the shared flow (spacedoc.diagnosis_service, also used by the Discourse
forum), progress shown by editing one message, and the verdict as an embed.

Shared by /diagnose, the context menu, mentions, the help desk's auto-replies and its Re-check button, so
that they all answer the same way.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import discord

from diagnosis import render, texts
from diagnosis.model import Verdict
from spacedoc import egress
from spacedoc.diagnosis_service import diagnose  # noqa: F401  (re-exported: the cogs call diagnosing.diagnose)

log = logging.getLogger(__name__)


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

        parts = [f"{name(check)} ✓" if status == "ok" else f"{name(check)}: {status}" for check, status in labels.items()]
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


def verdict_embed(verdict: Verdict) -> discord.Embed:
    return egress.embed_from_spec(render.to_embed(verdict))


def apology(step: str, lang: str = texts.DEFAULT) -> str:
    """The short answer when a handler fails: what failed (`step`: reading, checking, rechecking, posting), and
    what the person can do."""
    return texts.say(lang, "discord.apology", step=texts.say(lang, f"step.{step}"))


def step_name(step: str) -> str:
    """The step as the maintainers' log says it."""
    return texts.say(texts.DEFAULT, f"step.{step}")
