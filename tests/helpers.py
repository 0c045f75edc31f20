"""Reading a verdict's behaviour in tests, not its wording: the keys it names and the facts those carry.

Reply texts live in `diagnosis/texts/` and may change or be translated; a test that needs to know what a reply
says asks which phrase (key) it holds and with which facts (the package, the port, the quoted line).
"""
from __future__ import annotations

from typing import Any, Iterable

from diagnosis.extract import parse_report
from diagnosis.model import Phrase, Report, Verdict
from diagnosis.redact import redact


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
            nested = [v] if isinstance(v, Phrase) else [x for x in v if isinstance(x, Phrase)] if isinstance(v, tuple) else []
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
