"""Read a help request into a Report: the Spaces it names, its symptoms, its pasted log lines, a pasted runtime
answer, and the reading of its prose."""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .logs import analyze, prepare
from .model import Finding, Reading, Report, SpaceRef
from .reading import read, rule_codes
from .spaceref import find_spaces
from .symptoms import REPLY_CONTEXT_CODES, find_symptoms

# AWS-style request id that the Hub shows when a restart fails.
_REQUEST_ID_RE = re.compile(r"Root=1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}")
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u2060\ufeff\x00]")
# Where a pasted runtime answer (`/api/spaces/OWNER/NAME/runtime`) may start: a JSON object.
_JSON_START_RE = re.compile(r'\{\s*"\w{1,40}"\s*:')
MAX_RUNTIME_TRIES = 20


def parse_report(text: str, title: str = "", *, leaked: Iterable[str] = ()) -> Report:
    """Everything the engine can read from what a person wrote (a forum post: its `title` and `text`);
    never raises on odd input. `leaked` names the kinds of credential the redactor took out of the text first."""
    title, body = _clean(title), _clean(text)
    whole = f"{title}\n{body}" if title else body
    clean, spaces, findings = _exact(whole)
    request_ids = tuple(dict.fromkeys(_REQUEST_ID_RE.findall(clean)))
    codes = rule_codes(f for f in findings if f.code not in REPLY_CONTEXT_CODES)
    prose = _quote_the_body(read(title, body, codes), title, body, codes)
    return Report(text=whole, spaces=spaces, findings=findings, request_ids=request_ids, reading=prose,
                  leaked=tuple(dict.fromkeys(leaked)), pasted_runtime=pasted_runtime(body))


def _quote_the_body(prose: Reading, title: str, body: str, codes: list[str]) -> Reading:
    """A title says what the post is about; the line that decided is usually in the body. When the reading quotes
    the title and the body alone points to the same bucket, the body's own sentence is quoted instead."""
    if not title or not prose.quote or prose.quote.strip() != title.strip() or not body:
        return prose
    alone = read("", body, codes)
    if alone.bucket is not prose.bucket or not alone.quote:
        return prose
    return dataclasses.replace(prose, quote=alone.quote)


def pasted_runtime(text: str) -> Mapping[str, Any] | None:
    """The first runtime answer pasted as JSON (`{"stage": "PAUSED", "errorMessage": …}`), or None."""
    if '"stage"' not in text:
        return None
    decoder = json.JSONDecoder()
    for n, m in enumerate(_JSON_START_RE.finditer(text)):
        if n >= MAX_RUNTIME_TRIES:
            break
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("stage"), str):
            return value
    return None


def rule_findings(text: str, title: str = "") -> tuple[Finding, ...]:
    """Only what the exact rules (platform strings, log lines, symptom phrases) find: the reading's input."""
    title, body = _clean(title), _clean(text)
    return tuple(f for f in _exact(f"{title}\n{body}" if title else body)[2] if f.code not in REPLY_CONTEXT_CODES)


def _clean(text: object) -> str:
    return _INVISIBLE_RE.sub("", text if isinstance(text, str) else str(text or "")).strip()


def _exact(text: str) -> tuple[str, tuple[SpaceRef, ...], tuple[Finding, ...]]:
    clean = prepare(text)
    spaces = find_spaces(clean)
    bare_ids = {s.raw for s in spaces if s.source == "bare"}  # URLs and hosts are blanked by find_symptoms itself
    return clean, spaces, tuple(find_symptoms(clean, bare_ids) + analyze(clean, source="text"))
