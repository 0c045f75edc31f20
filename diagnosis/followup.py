"""Follow-ups that need no diagnosis: "thanks, it works now", "谢谢，可以了".

A message that only thanks or says the Space works again is answered with a short acknowledgement (and, when it
says the Space works, recorded as "helped"), never with a fresh verdict. Anything that still describes a problem
("thanks, but it still fails") is not a follow-up of this kind: it goes to the diagnosis as usual.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .texts import detect_language

MAX_CHARS = 300  # longer messages tell a story: a new request, not a thank-you

_RESOLVED_RE = re.compile(
    r"\b(?:works?|working|runs?|running|loads?|loading|up|back)\b[^.!?\n]{0,20}?\b(?:now|again|fine|perfectly)\b"
    r"|\b(?:fixed|solved|resolved|sorted(?: out)?)\b|\bthat (?:did it|did the trick|worked|helped)\b"
    r"|\b(?:it|problem|issue|error)(?:'s| is)? gone\b|\ball good\b|\bgood now\b"
    r"|可以了|好了|解决了|恢复了|能用了|正常了|搞定了?",
    re.IGNORECASE)
_THANKS_RE = re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|much appreciated)\b|谢谢|感谢|多谢", re.IGNORECASE)
# Words that keep a problem open: "still", a negation, "but", "again" after a failure word, a question about a fault.
_OPEN_RE = re.compile(
    r"\b(?:still|but|however|not|never|no|doesn['’]?t|don['’]?t|didn['’]?t|isn['’]?t|won['’]?t|can['’]?t|cannot"
    r"|fails?|failed|failing|error|broken|down|stuck|crash\w{0,3})\b|还是|仍然|依然|但是|不行|没用|失败|报错|又",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Followup:
    resolved: bool  # it says the Space works (record "helped"); else it only thanks
    language: str


def read_followup(text: str) -> Followup | None:
    """The follow-up `text` is, or None when it is (or may be) a request for help."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_CHARS or "?" in text or "？" in text:  # a question asks for more than thanks
        return None
    resolved = _RESOLVED_RE.search(text) is not None
    if not resolved and _THANKS_RE.search(text) is None:
        return None
    # "fixed" and "error is gone" name the fault they end: only words outside the resolution keep it open
    rest = _RESOLVED_RE.sub(" ", text)
    if _OPEN_RE.search(rest):
        return None
    return Followup(resolved=resolved, language=detect_language(text))
