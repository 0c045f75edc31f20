"""Find credentials in pasted text and replace each one with its public vendor prefix + `[REDACTED]`.

`redact(text)` returns a `Redaction`: `.text` (the input itself, unchanged, when nothing is found) and
`.findings` (kind, start, end in the input). The vendor prefix (`hf_`, `ghp_`, `sk-ant-api03-`, ...) stays
visible so the person knows which key to rotate, and nothing after it survives. The rules are in
`secret_rules.py`, the judgments of what is and is not a secret in `secret_checks.py`.

How disguises are handled:
- line breaks, and OCR's spaces in tokens of known length, by the rules' patterns;
- invisible characters (zero-width, bidi marks, soft hyphens, lone surrogates), percent-encoding and JSON
  string escapes are undone in a decoded view of the text whose every character remembers its offset in
  the input, and that view is scanned too;
- quotes, backticks, `||spoilers||`, URLs, Windows paths and trailing punctuation only need the patterns'
  boundaries to stop at non-token characters.

Speed: one pass of a prefix-factored regex over the lowercased text locates every trigger (a vendor prefix,
a keyword, the shape of a prefix-less token, an escape); a message with none is returned at once, and each
rule is then tried only where its own trigger occurs. A decoded view is built only when an escape is seen.

Failing closed: `redact` never raises. Should a rule ever fail on some input, the whole text is hidden
(kind "unscanned") and the Hugging Face tokens in it are still reported for revocation. `.text` is always
encodable: lone surrogates in the input come out as U+FFFD.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .secret_checks import REDACTED, published_example, trie_pattern
from .secret_rules import RULES

__all__ = ["Redaction", "SecretFinding", "redact", "redact_all", "HF_KINDS", "REDACTED", "UNSCANNED"]

# Kinds whose tokens the Hub's revoke endpoint is given.
HF_KINDS = frozenset({"huggingface", "huggingface_oauth", "huggingface_org"})
# The kind of a finding that stands for text the scanner failed on (hidden whole: see redact()).
UNSCANNED = "unscanned"

# Characters that do not show and that people (or their tools) leave inside a token: zero-width spaces
# and joiners, bidi marks, soft hyphens, invisible fillers, variation selectors, and lone surrogates.
_INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
              "\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ud800-\udfff")
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """One credential: its kind and its span in the input. `secret` (normalised) never shows in repr."""

    kind: str
    start: int
    end: int
    prefix: str  # the public part kept visible, e.g. "hf_"
    secret: str = field(repr=False, compare=False)

    @property
    def replacement(self) -> str:
        return f"{self.prefix}{REDACTED}"


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    findings: tuple[SecretFinding, ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        """Distinct kinds found, in order of first appearance."""
        return tuple(dict.fromkeys(f.kind for f in self.findings))

    def hf_tokens(self) -> list[str]:
        """The Hugging Face tokens found, normalised (disguises undone), deduplicated, for revocation."""
        return list(dict.fromkeys(f.secret for f in self.findings if f.kind in HF_KINDS))

    def head(self, limit: int) -> str:
        """The redacted text of the input's first `limit` characters. Cut this way, not by redacting a cut input: a
        credential cut in two no longer looks like one, so most of it would survive. One the cut falls in is kept as
        its whole replacement."""
        end = limit
        for f in self.findings:  # sorted and disjoint
            if f.start >= limit:
                break
            end += len(f.replacement) - (min(f.end, limit) - f.start)
        return self.text[:end]


# ---------------------------------------------------------------------------------------------- locating

# The one pass over the lowercased text: it finds every trigger literal of the anchored rules (a message with
# none is returned at once) and the few shapes that call for the other work: an escape that may hide a token
# (percent-encoding, JSON) and the prefix-less Telegram and Discord bot tokens.
# Every top-level branch starts with a literal character, so sre skips the other characters in C.
_LITERALS = sorted({t.lower() for r in RULES for t in r.triggers}, key=len, reverse=True)
_SHAPES = {
    "escape": [r"%(?=[0-9a-f]{2})", r'\\(?=[nrtu/"\\])'],
    "telegram": [r":(?<=[0-9]:)(?= {0,2}a|\r?\n)", r":(?<=[0-9] :)(?=a)", r":(?<=[0-9]  :)(?=a)",
                 r"\n(?<=[0-9]\n)(?=[ \t]*[0-9]{0,15}:a)",
                 r"\r(?<=[0-9]\r)(?=\n[ \t]*[0-9]{0,15}:a)"],
    # a Discord token's middle part: 6 or 7 characters between two dots, OCR spaces at up to two places
    "discord": [r"\.(?=[a-z0-9_ -]{6,15}\.|[a-z0-9_-]{0,6}\r?\n[^.]{0,20}\.)"],
}
_SHAPE_OF_FIRST = {"%": "escape", "\\": "escape", ":": "telegram", "\n": "telegram", "\r": "telegram",
                   ".": "discord"}
# the shapes consume one character only, so they never hide a literal that follows
_LOCATOR = re.compile("|".join([trie_pattern(_LITERALS)] + [b for bs in _SHAPES.values() for b in bs]))


def _rules_at_literal(literal: str) -> tuple[tuple[str | None, tuple[int, ...]], ...]:
    """For a lowercased literal the locator found: each rule trigger it stands for (None when the rules
    ignore case) and those rules' indices. At an `sk-ant-` hit the `sk-` rules must look too, so the shorter
    literals it starts with count as well."""
    rules: dict[str | None, list[int]] = {}
    for i, r in enumerate(RULES):
        for t in r.triggers:
            if literal.startswith(t.lower()):
                rules.setdefault(None if r.fold else t, []).append(i)
    return tuple((t, tuple(ids)) for t, ids in rules.items())


_RULES_AT_LITERAL = {literal: _rules_at_literal(literal) for literal in _LITERALS}
# the shapes' first characters -> the unanchored rules they call for (none for an escape: it calls for decoding)
_RULES_AT_SHAPE: dict[str, tuple[int, ...]] = {
    c: tuple(i for i, r in enumerate(RULES) if r.shape == shape) for c, shape in _SHAPE_OF_FIRST.items()}


def _locate(text: str, lower: str) -> tuple[dict[int, list[int]], bool]:
    """Each rule to try with where its triggers occur (case-sensitive ones checked against `text`; empty
    for the unanchored rules whose shape was seen, they search), and whether an escape was seen."""
    starts: dict[int, list[int]] = {}
    escape = False
    for m in _LOCATOR.finditer(lower):
        found = m.group()
        at_literal = _RULES_AT_LITERAL.get(found)
        if at_literal is None:
            shape_rules = _RULES_AT_SHAPE[found]
            if not shape_rules:
                escape = True
            for r in shape_rules:
                starts.setdefault(r, [])
            continue
        i = m.start()
        for trigger, rules in at_literal:
            if trigger is None or text.startswith(trigger, i):
                for r in rules:
                    starts.setdefault(r, []).append(i)
    return starts, escape


# ---------------------------------------------------------------------------------------------- decoding

# (percent-encoding of ASCII only: a byte of a multi-byte UTF-8 sequence is no token character)
_ESCAPE = re.compile(rf"%[0-7][0-9A-Fa-f]|\\u[0-9A-Fa-f]{{4}}|\\[nrt\"\\/]|[{_INVISIBLE}]")
# every escape but \uXXXX and invisible characters -> what it stands for, looked up instead of parsed
_UNESCAPED = {
    **{f"%{high}{low}": chr(int(high + low, 16)) for high in "01234567" for low in "0123456789abcdefABCDEF"},
    **{"\\" + c: d for c, d in {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/"}.items()},
}


def _decoded_view(text: str) -> tuple[str, list[int]] | None:
    """The text with percent-encoding, JSON escapes and invisible characters undone, and for each decoded
    character (plus one past the end) its offset in `text`. None when there is nothing to undo."""
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for m in _ESCAPE.finditer(text):
        seq = m.group()
        decoded = _UNESCAPED.get(seq)
        if decoded is None:
            decoded = chr(int(seq[2:], 16)) if len(seq) == 6 else ""  # \uXXXX; an invisible character: nothing
        start = m.start()
        pieces.append(text[last:start])
        origin.extend(range(last, start))
        if decoded:
            pieces.append(decoded)
            origin.append(start)
        last = m.end()
    if not pieces:
        return None
    pieces.append(text[last:])
    origin.extend(range(last, len(text)))
    origin.append(len(text))
    return "".join(pieces), origin


def _decoded(text: str, depth: int = 3) -> tuple[str, list[int]] | None:
    """The text decoded up to `depth` times (JSON inside JSON is escaped twice), with each character's
    offset in `text` (plus one past the end). None when there is nothing to undo."""
    decoded = _decoded_view(text)
    if decoded is None:
        return None
    text, origin = decoded
    for _ in range(depth - 1):
        view = _decoded_view(text)
        if view is None:
            break
        text, step = view
        origin = [origin[i] for i in step]
    return text, origin


# ---------------------------------------------------------------------------------------------- scanning

# A candidate finding: (rank, start, end, kind, prefix, secret), a plain tuple (there may be many per message).
_Candidate = tuple[int, int, int, str, str, str]
_RANK = [rule.rank for rule in RULES]


def _scan(text: str, starts: dict[int, list[int]]) -> list[_Candidate]:
    """Every rule's hits, the most specific rules first: a trigger inside what one of them found is not
    tried by a less specific rule (its hit could only lose to that one, see _select)."""
    found: list[_Candidate] = []
    for index in sorted(starts, key=_RANK.__getitem__):
        rule = RULES[index]
        positions = starts[index]
        if found and positions and rule.at_trigger:
            rank = rule.rank
            positions = [i for i in positions if not any(c[1] <= i < c[2] and c[0] < rank for c in found)]
            if not positions:
                continue
        found += [(rule.rank, start, end, rule.kind, prefix, secret)
                  for start, end, prefix, secret in rule.find(text, positions) if not published_example(secret)]
    return found


def _select(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the most specific finding where several overlap (an hf_ token inside a URL password)."""
    if len(candidates) == 1:
        return candidates
    starts: list[int] = []  # chosen spans, disjoint, kept sorted by start
    chosen: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        _, start, end = c[:3]
        i = bisect.bisect_left(starts, start)
        if (i == 0 or chosen[i - 1][2] <= start) and (i == len(chosen) or end <= chosen[i][1]):
            starts.insert(i, start)
            chosen.insert(i, c)
    return chosen


def _encodable(text: str) -> str:
    return text if text.isascii() or _SURROGATE.search(text) is None else _SURROGATE.sub("\ufffd", text)


def _rebuilt(text: str, findings: tuple[SecretFinding, ...]) -> Redaction:
    parts: list[str] = []
    last = 0
    for f in findings:
        parts.append(text[last:f.start])
        parts.append(f.replacement)
        last = f.end
    parts.append(text[last:])
    return Redaction(_encodable("".join(parts)), findings)


def redact(text: str) -> Redaction:
    """Find every credential in `text` and replace it with its public prefix + [REDACTED]. Never raises."""
    try:
        starts, escape = _locate(text, text.lower())
        plain = text.isascii()
        if not escape and not plain:
            escape = _HAS_INVISIBLE.search(text) is not None
        candidates = _scan(text, starts) if starts else []
        # a token may hide behind percent-encoding, JSON escapes or invisible characters
        if escape and (view := _decoded(text)) is not None:
            decoded, origin = view
            candidates += [(rank, origin[start], origin[end], kind, prefix, secret) for rank, start, end, kind, prefix,
                           secret in _scan(decoded, _locate(decoded, decoded.lower())[0])]
        if not candidates:  # most messages
            return Redaction(text if plain else _encodable(text))
        return _rebuilt(text, tuple(SecretFinding(kind, start, end, prefix, secret)
                                    for _, start, end, kind, prefix, secret in _select(candidates)))
    except Exception:  # (not logged here: the log filter redacts every record with this function)
        return redact_all(text)


_HF_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?P<prefix>hf_oauth_|hf_|api_org_)[A-Za-z0-9]{30,}")


def redact_all(text: str) -> Redaction:
    """Everything hidden, for text the scanner failed on: what `redact` returns rather than raise. The
    Hugging Face tokens in it are still findings of their own, so that they are revoked."""
    text = str(text)
    findings: list[SecretFinding] = []
    last = 0
    for m in _HF_TOKEN.finditer(text):
        if m.start() > last:
            findings.append(SecretFinding(UNSCANNED, last, m.start(), "", ""))
        prefix = m.group("prefix")
        kind = {"hf_oauth_": "huggingface_oauth", "hf_": "huggingface", "api_org_": "huggingface_org"}[prefix]
        findings.append(SecretFinding(kind, m.start(), m.end(), prefix, m.group()))
        last = m.end()
    if last < len(text) or not findings:
        findings.append(SecretFinding(UNSCANNED, last, len(text), "", ""))
    return _rebuilt(text, tuple(findings))
