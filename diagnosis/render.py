"""A Verdict as a reply: Discord Markdown (≤ 2000 chars), a Discord embed spec, Discourse Markdown, terminal text,
or JSON — worded in the request's language (`diagnosis.texts`).

Every reply has the same shape: the bucket in plain words, the decisive line quoted first, the next actions, the
rest of the evidence, the stop lines that apply, what could not be checked. The support e-mail draft is never part
of a public reply: `email_draft(v)` gives it to whatever shows it privately (a button's ephemeral answer, a private
message, `--email-draft`). Nothing here imports discord: `to_embed` returns a plain `EmbedSpec`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import texts
from .model import Bucket, Verdict

MESSAGE_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_MAX = 25
EMBED_TOTAL_LIMIT = 6000
EVIDENCE_ITEM_LIMIT = 190  # five cited lines fit one embed field (1024)
QUOTE_LIMIT = 300
COLOURS = {
    Bucket.BUILD_FAILURE: 0xE67E22, Bucket.RUNTIME_CRASH: 0xE74C3C, Bucket.PORT_HEALTHCHECK: 0xF1C40F,
    Bucket.LIFECYCLE_STUCK: 0x9B59B6, Bucket.MODERATION_LOCK: 0x992D22, Bucket.PLATFORM_INCIDENT: 0x3498DB,
    Bucket.CONFIG_ERROR: 0x1ABC9C, Bucket.HARDWARE_SCHEDULING: 0x2980B9, Bucket.SLEEPING: 0x95A5A6,
    Bucket.NEEDS_INFO: 0x7F8C8D,
}
ALSO_MIN = 0.1  # alternatives below this are noise to a reader (they stay in the JSON)


@dataclass(frozen=True, slots=True)
class Worded:
    """A verdict's parts as a reader gets them, in the verdict's language; each renderer lays them out."""

    lang: str
    title: str
    header: str
    quote: str  # the decisive line ("" when nothing decided, e.g. needs_info)
    next_heading: str
    next: tuple[str, ...]
    evidence: tuple[str, ...]  # the other cited lines
    stop: tuple[str, ...]
    unavailable: tuple[str, ...]
    also: str

    def say(self, key: str, **args: Any) -> str:
        return texts.say(self.lang, key, **args)


def worded(v: Verdict) -> Worded:
    lang = v.language
    say = texts.say
    space = f" · `{v.space}`" if v.space else (f" · {say(lang, 'ui.placeholder_space')}" if v.placeholder else "")
    also = ", ".join(f"{say(lang, f'bucket.{a.bucket.value}')} {round(a.confidence * 100)}%"
                     for a in v.alternatives[:3] if a.confidence >= ALSO_MIN)
    return Worded(
        lang=lang,
        title=say(lang, f"title.{v.bucket.value}"),
        header=say(lang, "ui.confidence", pct=round(v.confidence * 100)) + space,
        quote=texts.word(v.decisive.cited, lang) if v.decisive is not None else "",
        next_heading=say(lang, "ui.questions" if v.bucket is Bucket.NEEDS_INFO else "ui.next"),
        next=tuple(texts.word(p, lang) for p in v.next_actions),
        evidence=tuple(texts.word(p, lang) for p in v.evidence),
        stop=tuple(say(lang, s.key) for s in v.stop_doing),
        unavailable=tuple(texts.word(p, lang) for p in v.unavailable),
        also=also,
    )


def title(v: Verdict) -> str:
    return texts.say(v.language, f"title.{v.bucket.value}")


def email_draft(v: Verdict) -> str | None:
    """The support e-mail draft (English), for a private channel only; None when none is offered."""
    return texts.support_email(v.email) if v.email is not None else None


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


def _numbered(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1))


def _bullets(items: tuple[str, ...] | list[str]) -> str:
    return "\n".join(f"- {x}" for x in items)


def to_markdown(v: Verdict, limit: int = MESSAGE_LIMIT) -> str:
    """Discord-ready Markdown in one message: long items are shortened until it fits."""
    w = worded(v)
    bodies = [_markdown_body(w, item_limit) for item_limit in (300, 200, 140, 90)]
    return next((body for body in bodies if len(body) <= limit), _cut(bodies[-1], limit))


def _markdown_body(w: Worded, item_limit: int) -> str:
    parts = [f"**{w.say('ui.brand')} — {w.title}** ({w.header})"]
    if w.quote:
        parts.append(f"> {_literal(_cut(w.quote, item_limit))}")
    for heading, items, numbered in (
        (w.next_heading, [_cut(a, item_limit) for a in w.next], True),
        (w.say("ui.evidence"), [_literal(_cut(e, item_limit)) for e in w.evidence], False),
        (w.say("ui.stop"), [_cut(s, item_limit) for s in w.stop], False),
        (w.say("ui.could_not_check"), [_cut(u, item_limit) for u in w.unavailable], False),
    ):
        if items:
            parts.append(f"**{heading}**\n{_numbered(items) if numbered else _bullets(items)}")
    if w.also:
        parts.append(f"*{w.say('ui.also_possible')}: {w.also}*")
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
    the rest of the evidence, stop lines, what could not be checked. No Discord-only markup."""
    w = worded(v)

    def item(text: str) -> str:
        return _unping(_cut(" ".join(text.split()), DISCOURSE_ITEM_LIMIT))

    def quoted(text: str) -> str:
        return _literal(item(text), _DISCOURSE_SPECIAL_RE)

    parts = [f"**{w.say('ui.brand')} — {w.title}** ({_unping(w.header)})"]
    if w.quote:
        parts.append(f"> {quoted(w.quote)}")
    for heading, items, numbered in (
        (w.next_heading, [item(a) for a in w.next], True),
        (w.say("ui.evidence"), [quoted(e) for e in w.evidence], False),
        (w.say("ui.stop"), [item(s) for s in w.stop], False),
        (w.say("ui.could_not_check"), [item(u) for u in w.unavailable], False),
    ):
        if items:
            parts.append(f"**{heading}**\n{_numbered(items) if numbered else _bullets(items)}")
    if w.also:
        parts.append(f"*{w.say('ui.also_possible')}: {w.also}*")
    return "\n\n".join(parts)


def to_terminal(v: Verdict) -> str:
    """Plain text for a terminal, by the same rules as the Discord reply; nothing shortened but the quotes already
    are. The e-mail draft is not printed here (`--email-draft` prints it), only said to exist."""
    w = worded(v)
    out = [f"{w.title}  [{v.bucket.value}]", f"  {w.header.replace('`', '')}"]
    if w.quote:
        out.append(f"\n  > {w.quote}")
    for heading, items in ((w.next_heading, w.next), (w.say("ui.evidence"), w.evidence), (w.say("ui.stop"), w.stop),
                           (w.say("ui.could_not_check"), w.unavailable)):
        if items:
            out.append(f"\n{heading}:")
            out.extend(f"  - {x}" for x in items)
    if w.also:
        out.append(f"\n{w.say('ui.also_possible')}: {w.also}")
    if v.stop_pushing_commits:
        out.append(f"\n{w.say('ui.stop_pushing_yes')}")
    if v.email is not None:
        out.append(f"\n{w.say('ui.email_cli')}")
    return "\n".join(out)


def to_json(v: Verdict) -> dict[str, Any]:
    """The CLI's JSON contract (keys are checked from outside exactly as written). `evidence` starts with the
    decisive line; texts are in the request's language, the e-mail draft in English."""
    w = worded(v)
    return {
        "bucket": v.bucket.value,
        "confidence": round(v.confidence, 3),
        "alternatives": [{"bucket": a.bucket.value, "confidence": round(a.confidence, 3)} for a in v.alternatives],
        "space": v.space,
        "placeholder": v.placeholder,
        "evidence": ([w.quote] if w.quote else []) + list(w.evidence),
        "next_actions": list(w.next),
        "stop_pushing_commits": v.stop_pushing_commits,
        "unavailable": list(w.unavailable),
        "email_draft": email_draft(v),
    }


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
    """The decisive line and the next actions (or questions) in the description, where the eye lands; the rest of
    the evidence and the stop lines as fields."""
    w = worded(v)
    head = _cut(f"{w.say('ui.brand')} — {w.title}", EMBED_TITLE_LIMIT)
    lines = [w.header]
    if w.quote:
        lines.append(f"> {_literal(_cut(w.quote, QUOTE_LIMIT))}")
    if w.next:
        lines += [f"**{w.next_heading}**", _numbered(w.next)]
    description = _cut(_safe("\n".join(lines)), EMBED_DESCRIPTION_LIMIT)
    fields: list[tuple[str, str]] = []
    for name, items in (
        (w.say("ui.evidence"), [_literal(_cut(e, EVIDENCE_ITEM_LIMIT)) for e in w.evidence]),
        (w.say("ui.stop_doing"), list(w.stop)),
        (w.say("ui.could_not_check"), list(w.unavailable)),
    ):
        if items:
            fields.append((name, _cut(_safe(_bullets(items)), EMBED_FIELD_VALUE_LIMIT)))
    if w.also:
        fields.append((w.say("ui.also_possible"), _cut(w.also, EMBED_FIELD_VALUE_LIMIT)))
    spec = EmbedSpec(head, description, COLOURS.get(v.bucket, 0x7F8C8D), fields[:EMBED_FIELDS_MAX])
    while spec.total_chars() > EMBED_TOTAL_LIMIT and spec.fields:
        spec = EmbedSpec(spec.title, spec.description, spec.colour, spec.fields[:-1])
    if spec.total_chars() > EMBED_TOTAL_LIMIT:
        room = EMBED_TOTAL_LIMIT - len(spec.title)
        spec = EmbedSpec(spec.title, _cut(spec.description, room), spec.colour, [])
    return spec
