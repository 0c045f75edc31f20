"""What several test modules share (a test module never imports another one): paths, the sandbox's well-known
requests, a fake clock, a bot process's work in progress, accuracy scoring, and reading a verdict's behaviour
rather than its wording.

Reply texts live in `diagnosis/texts/` and may change or be translated; a test that needs to know what a reply
says asks which phrase (key) it holds and with which facts (the package, the port, the quoted line).
"""
from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from diagnosis.extract import parse_report
from diagnosis.model import Phrase, Report, Verdict
from diagnosis.redact import redact
from diagnosis.tree import decide
from sandbox.secretgen import Sample

ROOT = Path(__file__).resolve().parent.parent  # the repository
FIXTURES = ROOT / "tests" / "fixtures"  # real requests and logs (SPACEDOC_FIXTURES points at another set)
EXTRA_REPORTS = ROOT / "tests" / "data" / "extra_reports.jsonl"  # requests we wrote (also read by training/)

# A sandbox Hub scenario: PAUSED, 6 commits since the running sha started no build.
PAUSED_SPACE = "marlin-ai/chat-ui-stack"
PAUSED_REPORT = (f"My Space https://huggingface.co/spaces/{PAUSED_SPACE} is stuck on Paused for two days, restart and "
                 "factory rebuild both return 503. I pushed several empty commits but the build never starts.")


class FakeClock:
    """Wall-clock seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def work_in_progress(port: int) -> float:
    """`spacedoc_work_in_progress` of the bot process whose HTTP server listens on `port` (spacedoc.metrics)."""
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    return next(s.value for family in text_string_to_metric_families(text) for s in family.samples
                if s.name == "spacedoc_work_in_progress")


async def until_idle(port: int, timeout: float) -> None:
    """Waits until the bot process on `port` has no work in progress (it has read the events it was sent: see
    DiscordSandbox.sync and SandboxDiscourse.deliveries_done)."""
    async def poll() -> None:
        while await work_in_progress(port):
            await asyncio.sleep(0.02)
    await asyncio.wait_for(poll(), timeout)


def score(cases):
    """cases: (id, label, secondary, text[, title]) → (accuracy, per-bucket table lines, misses)."""
    hits, per_total, per_hit, misses = 0, Counter(), Counter(), []
    for case_id, label, secondary, text, *title in cases:
        v = decide(parse_report(text, *title))  # a forum post is read as its title and its text
        per_total[label] += 1
        if v.bucket.value == label:
            hits += 1
            per_hit[label] += 1
        else:
            also = f" (or {secondary})" if secondary else ""
            misses.append(f"{case_id}: labelled {label}{also}, got {v.bucket.value} ({v.confidence:.2f}); "
                          f"alternatives {[a.bucket.value for a in v.alternatives[:2]]}")
    table = [f"  {b:<20} {per_hit[b]}/{n}  {per_hit[b] / n:.0%}" for b, n in sorted(per_total.items())]
    return hits / max(1, len(cases)), table, misses


def leaked_fragments(sample: Sample, text: str) -> list[str]:
    """Any 8 consecutive alphanumeric characters of the secret (beyond its public prefix) still in `text`."""
    body = sample.secret[len(sample.prefix):]
    windows = {body[i:i + 8] for i in range(len(body) - 7)}
    return sorted(w for w in windows if w.isalnum() and w in text and w not in sample.prefix)


def values(phrases: Iterable[Phrase]) -> list[str]:
    """Every fact the phrases carry, nested phrases included."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, Phrase):
            for _, v in value.args:
                walk(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)
        elif value is not None:
            out.append(str(value))

    walk(tuple(phrases))
    return out


def keys(phrases: Iterable[Phrase]) -> list[str]:
    """The phrases' keys, nested phrases included, in order."""
    out: list[str] = []
    for p in phrases:
        out.append(p.key)
        for _, v in p.args:
            nested = ([v] if isinstance(v, Phrase) else [x for x in v if isinstance(x, Phrase)] if isinstance(v, tuple)
                      else [])
            out += keys(nested)
    return out


def cited(v: Verdict) -> str:
    """Everything the reply cites: the decisive line and the facts of the other evidence lines."""
    return " ".join(([v.decisive.quote] if v.decisive else []) + values(v.evidence))


def cited_codes(v: Verdict) -> set[str]:
    """The findings the reply cites: the decisive line's code and the evidence keys (`ev.<code>`)."""
    return ({v.decisive.code} if v.decisive else set()) | {k.removeprefix("ev.") for k in keys(v.evidence)}


def advised(v: Verdict) -> str:
    """The facts the next actions carry."""
    return " ".join(values(v.next_actions))


def action_keys(v: Verdict) -> list[str]:
    return [p.key for p in v.next_actions]


def stops(v: Verdict) -> set[str]:
    return {s.key for s in v.stop_doing}


def report(text: str, title: str = "") -> Report:
    """A report read the way every adapter reads one: credentials taken out first, and said to be."""
    clean_title, clean_text = redact(title), redact(text)
    return parse_report(clean_text.text, clean_title.text, leaked=(*clean_title.kinds, *clean_text.kinds))
