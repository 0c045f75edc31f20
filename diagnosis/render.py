"""A Verdict as Discord Markdown (≤ 2000 chars), a Discord embed spec, Discourse Markdown, terminal text, or JSON.

Nothing here imports discord: `to_embed` returns a plain `EmbedSpec` that a cog turns into a
`discord.Embed` field by field, already within Discord's limits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .model import Bucket, Verdict

MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_LIMIT = 6000
EVIDENCE_ITEM_LIMIT = 190  # five cited lines fit one embed field (1024)

TITLES = {
    Bucket.BUILD_FAILURE: "Build failure (the image does not build)",
    Bucket.RUNTIME_CRASH: "Runtime crash (the app dies after it starts)",
    Bucket.PORT_HEALTHCHECK: "Port or health check (the app runs, the page never loads)",
    Bucket.LIFECYCLE_STUCK: "Stuck lifecycle (builder not dispatching)",
    Bucket.MODERATION_LOCK: "Moderation lock (stopped by a policy check)",
    Bucket.PLATFORM_INCIDENT: "Platform incident (many Spaces affected)",
    Bucket.CONFIG_ERROR: "Configuration error (README metadata or app file)",
    Bucket.HARDWARE_SCHEDULING: "Hardware or scheduling (no capacity, GPU quota)",
    Bucket.SLEEPING: "Sleeping or paused by its owner (not broken)",
    Bucket.NEEDS_INFO: "Need more information",
}
COLOURS = {
    Bucket.BUILD_FAILURE: 0xE67E22, Bucket.RUNTIME_CRASH: 0xE74C3C, Bucket.PORT_HEALTHCHECK: 0xF1C40F,
    Bucket.LIFECYCLE_STUCK: 0x9B59B6, Bucket.MODERATION_LOCK: 0x992D22, Bucket.PLATFORM_INCIDENT: 0x3498DB,
    Bucket.CONFIG_ERROR: 0x1ABC9C, Bucket.HARDWARE_SCHEDULING: 0x2980B9, Bucket.SLEEPING: 0x95A5A6,
    Bucket.NEEDS_INFO: 0x7F8C8D,
}


def title(v: Verdict) -> str:
    return TITLES.get(v.bucket, v.bucket.value)


def _safe(text: str) -> str:
    """User-derived text must not ping anyone or break out of Markdown code spans."""
    return text.replace("@everyone", "@\u200beveryone").replace("@here", "@\u200bhere").replace("<@", "<@\u200b")


_MD_SPECIAL_RE = re.compile(r"([\\*_~|`>\[\]])")
_CODE_TOKEN_RE = re.compile(r"`[^`\s]{1,100}`")  # `app.py`, `torch==1.8.0`: a single token in a code span


def _literal(text: str, special: re.Pattern[str] = _MD_SPECIAL_RE) -> str:
    """Quoted user text shows as typed: Markdown characters escaped, so a pasted `**` or ``` cannot restyle the reply.

    A code span around one token (a file, a pin) stays a code span: it can restyle nothing, and escaping it would
    show stray backticks."""
    out, done = [], 0
    for m in _CODE_TOKEN_RE.finditer(text):
        out += [special.sub(r"\\\1", text[done:m.start()]), m.group()]
        done = m.end()
    out.append(special.sub(r"\\\1", text[done:]))
    return "".join(out)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _header(v: Verdict) -> str:
    space = f" · `{v.space}`" if v.space else (" · placeholder Space id" if v.placeholder else "")
    return f"confidence {round(v.confidence * 100)}%{space}"


ALSO_MIN = 0.1  # alternatives below this are noise to a reader (they stay in the JSON)


def _also(v: Verdict) -> str:
    return ", ".join(f"{TITLES[a.bucket].split(' (')[0].lower()} {round(a.confidence * 100)}%"
                     for a in v.alternatives[:3] if a.confidence >= ALSO_MIN)


def _next_heading(v: Verdict) -> str:
    return "Questions" if v.bucket is Bucket.NEEDS_INFO else "Next"


def _numbered(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1))


def _sections(v: Verdict, item_limit: int) -> list[tuple[str, list[str]]]:
    """(heading, items) in the order a reader needs them: what to do first, then why; the e-mail draft comes last."""
    return [
        (_next_heading(v), [_cut(a, item_limit) for a in v.next_actions]),
        ("Evidence", [_cut(e, item_limit) for e in v.evidence]),  # escaped by the Markdown renderers
        ("Stop", [_cut(s, item_limit) for s in v.stop_doing]),
        ("Could not check", [_cut(u, item_limit) for u in v.unavailable]),
    ]


def to_markdown(v: Verdict, limit: int = MESSAGE_LIMIT) -> str:
    """Discord-ready Markdown in one message: long items are shortened first, then the e-mail draft yields."""
    draft = f"\n**Draft e-mail**\n```\n{_safe(v.email_draft).replace('```', 'ʼʼʼ')}\n```" if v.email_draft else ""
    note = "\n*(the e-mail draft did not fit: run the CLI with `--json` to get it)*" if v.email_draft else ""
    bodies = [_markdown_body(v, item_limit) for item_limit in (300, 200, 140, 90)]
    for tail in (draft, note, ""):
        for body in bodies:
            if len(body) + len(tail) <= limit:
                return body + tail
    return _cut(bodies[-1], limit)


def _markdown_body(v: Verdict, item_limit: int) -> str:
    parts = [f"**Space Doctor — {title(v)}** ({_header(v)})"]
    for heading, items in _sections(v, item_limit):
        if heading == "Evidence":
            items = [_literal(x) for x in items]
        if items:
            body = _numbered(items) if heading in ("Next", "Questions") else "\n".join(f"- {x}" for x in items)
            parts.append(f"**{heading}**\n{body}")
    if _also(v):
        parts.append(f"*Also possible: {_also(v)}*")
    return _safe("\n".join(parts))


DISCOURSE_ITEM_LIMIT = 500  # a forum post has room (max_post_length 32000), a reader has less
# Discourse Markdown allows raw HTML (<img>, <details>) and BBCode ([quote], [details]): quoted text escapes both.
_DISCOURSE_SPECIAL_RE = re.compile(r"([\\*_~|`>\[\]<])")
# @user and @group notify people on Discourse; a zero-width space keeps the text and drops the ping. An e-mail
# address (word character before the @) is no mention and stays copyable.
_DISCOURSE_MENTION_RE = re.compile(r"(?<![\w@])@(?=[\w.-])")


def _unping(text: str) -> str:
    return _DISCOURSE_MENTION_RE.sub("@\u200b", text)


def to_discourse(v: Verdict) -> str:
    """A forum reply in Discourse Markdown: the bucket in plain words, the decisive line quoted, next actions,
    the rest of the evidence, stop lines, what could not be checked, and (when Hugging Face staff must act) the
    support e-mail draft folded in a `[details]` block. No Discord-only markup."""
    def item(text: str) -> str:
        return _unping(_cut(" ".join(text.split()), DISCOURSE_ITEM_LIMIT))

    evidence = [_literal(item(e), _DISCOURSE_SPECIAL_RE) for e in v.evidence]
    parts = [f"**Space Doctor — {title(v)}** ({_unping(_header(v))})"]
    if evidence:
        parts.append(f"> {evidence[0]}")
    for heading, items in (
        (_next_heading(v), [item(a) for a in v.next_actions]),
        ("More evidence", evidence[1:]),
        ("Stop", [item(s) for s in v.stop_doing]),
        ("Could not check", [item(u) for u in v.unavailable]),
    ):
        if items:
            body = _numbered(items) if heading in ("Next", "Questions") else "\n".join(f"- {x}" for x in items)
            parts.append(f"**{heading}**\n{body}")
    if _also(v):
        parts.append(f"*Also possible: {_also(v)}*")
    if v.email_draft:
        draft = v.email_draft.replace("```", "ʼʼʼ").replace("[/details]", "[/ details]")
        parts.append(f'[details="Support e-mail draft (fill in the <…> parts)"]\n```text\n{draft}\n```\n[/details]')
    return "\n\n".join(parts)


def to_terminal(v: Verdict) -> str:
    """Plain text for a terminal: everything, nothing shortened but the quotes already are."""
    out = [f"{title(v)}  [{v.bucket.value}]", f"  {_header(v).replace('`', '')}"]
    for heading, items in _sections(v, 10_000):
        if items:
            out.append(f"\n{heading}:")
            out.extend(f"  - {x}" for x in items)
    if _also(v):
        out.append(f"\nAlso possible: {_also(v)}")
    if v.stop_pushing_commits:
        out.append("\nStop pushing commits: yes")
    if v.email_draft:
        out.append("\nDraft e-mail:\n" + "\n".join(f"  {line}" for line in v.email_draft.splitlines()))
    return "\n".join(out)


def to_json(v: Verdict) -> dict[str, Any]:
    return v.to_json()


@dataclass(frozen=True, slots=True)
class EmbedSpec:
    """What a Discord embed shows; every part already within Discord's limits."""

    title: str
    description: str
    colour: int
    fields: list[tuple[str, str]] = field(default_factory=list)

    def total_chars(self) -> int:
        return len(self.title) + len(self.description) + sum(len(n) + len(v) for n, v in self.fields)


def to_embed(v: Verdict) -> EmbedSpec:
    """The next actions (or questions) in the description, where the eye lands; evidence and the rest as fields."""
    head = _cut(f"Space Doctor — {title(v)}", EMBED_TITLE_LIMIT)
    lines = [_header(v)]
    if v.next_actions:
        lines += [f"**{_next_heading(v)}**", _numbered(v.next_actions)]
    description = _cut(_safe("\n".join(lines)), EMBED_DESCRIPTION_LIMIT)
    fields: list[tuple[str, str]] = []
    for name, items in (
        ("Evidence", [_literal(_cut(e, EVIDENCE_ITEM_LIMIT)) for e in v.evidence]),
        ("Stop doing", list(v.stop_doing)),
        ("Could not check", list(v.unavailable)),
    ):
        if items:
            fields.append((name, _cut(_safe("\n".join(f"- {x}" for x in items)), EMBED_FIELD_VALUE_LIMIT)))
    if _also(v):
        fields.append(("Also possible", _cut(_also(v), EMBED_FIELD_VALUE_LIMIT)))
    if v.email_draft:
        fence = 8  # "```\n" + "\n```"
        draft = _cut(_safe(v.email_draft).replace("```", "ʼʼʼ"), EMBED_FIELD_VALUE_LIMIT - fence)
        fields.append(("Draft e-mail", f"```\n{draft}\n```"))
    spec = EmbedSpec(head, description, COLOURS.get(v.bucket, 0x7F8C8D), fields[:EMBED_FIELDS_MAX])
    while spec.total_chars() > EMBED_TOTAL_LIMIT and spec.fields:
        spec = EmbedSpec(spec.title, spec.description, spec.colour, spec.fields[:-1])
    if spec.total_chars() > EMBED_TOTAL_LIMIT:
        room = EMBED_TOTAL_LIMIT - len(spec.title)
        spec = EmbedSpec(spec.title, _cut(spec.description, room), spec.colour, [])
    return spec
