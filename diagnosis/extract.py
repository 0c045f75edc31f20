"""Read a help request into a Report: the Spaces it names, its symptoms, its pasted log lines, and the
reading of its prose."""
from __future__ import annotations

import re

from .logs import analyze, prepare
from .model import Finding, Report, SpaceRef
from .reading import read, rule_codes
from .spaceref import find_spaces
from .symptoms import find_symptoms

# AWS-style request id that the Hub shows when a restart fails.
_REQUEST_ID_RE = re.compile(r"Root=1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}")
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u2060\ufeff\x00]")


def parse_report(text: str, title: str = "") -> Report:
    """Everything the engine can read from what a person wrote (a forum post: its `title` and `text`);
    never raises on odd input."""
    title, body = _clean(title), _clean(text)
    whole = f"{title}\n{body}" if title else body
    clean, spaces, findings = _exact(whole)
    request_ids = tuple(dict.fromkeys(_REQUEST_ID_RE.findall(clean)))
    prose = read(title, body, rule_codes(findings))
    return Report(text=whole, spaces=spaces, findings=findings, request_ids=request_ids, reading=prose)


def rule_findings(text: str, title: str = "") -> tuple[Finding, ...]:
    """Only what the exact rules (platform strings, log lines, symptom phrases) find: the reading's input."""
    title, body = _clean(title), _clean(text)
    return _exact(f"{title}\n{body}" if title else body)[2]


def _clean(text: object) -> str:
    return _INVISIBLE_RE.sub("", text if isinstance(text, str) else str(text or "")).strip()


def _exact(text: str) -> tuple[str, tuple[SpaceRef, ...], tuple[Finding, ...]]:
    clean = prepare(text)
    spaces = find_spaces(clean)
    bare_ids = {s.raw for s in spaces if s.source == "bare"}  # URLs and hosts are blanked by find_symptoms itself
    return clean, spaces, tuple(find_symptoms(clean, bare_ids) + analyze(clean, source="text"))
