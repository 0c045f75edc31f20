"""Read a help request into a Report: the Spaces it names, its symptoms, its pasted log lines."""
from __future__ import annotations

import re

from .logs import analyze, prepare
from .model import Report
from .spaceref import find_spaces
from .symptoms import find_symptoms

# AWS-style request id that the Hub shows when a restart fails.
_REQUEST_ID_RE = re.compile(r"Root=1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}")
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u2060\ufeff\x00]")


def parse_report(text: str) -> Report:
    """Everything the engine can read from what a person wrote; never raises on odd input."""
    if not isinstance(text, str):
        text = str(text or "")
    clean = prepare(_INVISIBLE_RE.sub("", text))
    spaces = find_spaces(clean)
    bare_ids = {s.raw for s in spaces if s.source == "bare"}  # URLs and hosts are blanked by find_symptoms itself
    findings = find_symptoms(clean, bare_ids) + analyze(clean, source="text")
    request_ids = tuple(dict.fromkeys(_REQUEST_ID_RE.findall(clean)))
    return Report(text=text, spaces=spaces, findings=tuple(findings), request_ids=request_ids)
